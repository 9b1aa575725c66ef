#include "imagine/blob_kind.h"

#include <algorithm>
#include <iterator>
#include <sstream>
#include <utility>

#include "util/error.h"

namespace brivl {

namespace {
constexpr std::pair<BlobKind, const char*> kKindNames[] = {
    {BlobKind::kEllipse, "ellipse"}, {BlobKind::kRectangle, "rectangle"}, {BlobKind::kTriangle, "triangle"}, {BlobKind::kStar, "star"}};
}  // namespace

std::vector<BlobKind> parse_blob_kinds(const std::string& names, const std::string& option) {
  std::vector<BlobKind> kinds;
  std::stringstream in(names);
  std::string name;
  while (std::getline(in, name, ',')) {
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    const auto* found = std::find_if(std::begin(kKindNames), std::end(kKindNames), [&](const auto& k) { return name == k.second; });
    BRIVL_CHECK(found != std::end(kKindNames), option, ": '", name, "' is not one of ellipse, rectangle, triangle, star");
    BRIVL_CHECK(std::find(kinds.begin(), kinds.end(), found->first) == kinds.end(), option, ": '", name, "' is named twice");
    kinds.push_back(found->first);
  }
  BRIVL_CHECK(!kinds.empty(), option, ": no shape kind named (e.g. ellipse, or ellipse,rectangle,triangle,star)");
  return kinds;
}

const char* blob_kind_name(BlobKind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "?";
}

}  // namespace brivl
