#pragma once
// The primitives the "blobs" image space paints (torch-free, so settings can validate their names).
#include <cstdint>
#include <string>
#include <vector>

namespace brivl {

enum class BlobKind : int64_t { kEllipse = 0, kRectangle = 1, kTriangle = 2, kStar = 3 };

// "ellipse,star" -> kinds, in the order given; an unknown or repeated name, or none, is an error
// naming `option`.
std::vector<BlobKind> parse_blob_kinds(const std::string& names, const std::string& option);
const char* blob_kind_name(BlobKind kind);

}  // namespace brivl
