#pragma once
// XMP metadata inside JPEG and WebP files, at the byte level (no encoders here; see image_export.h
// for the files). Exported imaginations carry their settings JSON as the property brivl:settings
// of the namespace https://brivl-studio.org/ns/1.0/ in an XMP packet (ISO 16684-1; Adobe XMP
// Specification Part 1 §7.3 packet wrapper), stored:
//   JPEG: in an APP1 segment "http://ns.adobe.com/xap/1.0/\0" + packet (XMP Specification Part 3
//         §1.1.3), after SOI, the JFIF APP0 and an Exif APP1 if present;
//   WebP: in an "XMP " chunk of the extended file format, announced by the XMP flag of the VP8X
//         chunk (https://developers.google.com/speed/webp/docs/riff_container).
// The packet is written and read by hand: it is a fixed template with one escaped text property,
// so an XML library would add a dependency without making either side more correct. The reader
// looks for the property element <brivl:settings>...</brivl:settings> as we write it (XML
// character and the five predefined entity references are decoded); packets rewritten by other
// tools into another serialisation (attribute form, another prefix) are not recognised, and the
// sidecar JSON (image_export.h) is the fallback for those.
#include <optional>
#include <string>
#include <string_view>

namespace brivl::xmp {

// The namespace URI of BriVL Studio's XMP properties.
inline constexpr const char* kNamespace = "https://brivl-studio.org/ns/1.0/";
// JPEG APP1 payloads that hold standard XMP start with this (29 bytes, NUL included).
inline constexpr std::string_view kJpegSignature{"http://ns.adobe.com/xap/1.0/\0", 29};
// Largest packet one APP1 segment holds: 65535 - 2 (length field) - 29 (signature). Extended XMP
// (packets split over several segments) is not written.
inline constexpr size_t kMaxJpegPacket = 65535 - 2 - kJpegSignature.size();

// An XMP packet (UTF-8, xpacket wrapper, one rdf:Description) with xmp:CreatorTool = creator_tool
// and brivl:settings = settings_json (XML-escaped). Throws brivl::Error when either text is not
// valid UTF-8 or contains a control character that XML 1.0 cannot hold (anything below U+0020
// except tab, LF and CR; JSON never needs them raw).
std::string make_settings_packet(const std::string& settings_json, const std::string& creator_tool);

// The brivl:settings text of a packet, unescaped; nullopt when the packet has no such property.
// Throws brivl::Error naming `name` for an unterminated property or a bad entity reference.
std::optional<std::string> settings_from_packet(std::string_view packet, const std::string& name);

// `jpeg` with `packet` in an APP1 XMP segment placed after SOI, the leading APP0 segments and an
// Exif APP1 segment (JFIF and Exif require those first); existing XMP segments are removed.
// Throws brivl::Error naming `name` when the bytes are not a JPEG, a segment before the image data
// (SOS) is truncated, or the packet is larger than kMaxJpegPacket.
std::string jpeg_with_xmp(std::string_view jpeg, const std::string& packet, const std::string& name);

// The packet of the first XMP APP1 segment before the image data; nullopt when there is none.
// Throws like jpeg_with_xmp for damaged bytes.
std::optional<std::string> jpeg_xmp(std::string_view jpeg, const std::string& name);

// `webp` rewritten in the extended format: a VP8X chunk (XMP flag set; canvas size and alpha flag
// from the VP8/VP8L bitstream header) when the file was simple, the existing chunks in order
// without any previous "XMP " chunk, then an "XMP " chunk with `packet`. Input that is already
// extended keeps its VP8X (only the XMP flag is added). Throws brivl::Error naming `name` when the
// bytes are not a WebP file, the RIFF size disagrees with the byte count, a chunk is truncated,
// or the first chunk is none of VP8/VP8L/VP8X.
std::string webp_with_xmp(std::string_view webp, const std::string& packet, const std::string& name);

// The payload of the first "XMP " chunk; nullopt when there is none. Throws like webp_with_xmp.
std::optional<std::string> webp_xmp(std::string_view webp, const std::string& name);

}  // namespace brivl::xmp
