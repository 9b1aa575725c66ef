#include "export/xmp_metadata.h"

#include <cstdint>
#include <vector>

#include "text/unicode_text.h"
#include "util/error.h"

namespace brivl::xmp {
namespace {

constexpr std::string_view kOpenTag = "<brivl:settings>";
constexpr std::string_view kCloseTag = "</brivl:settings>";

unsigned byte_at(std::string_view bytes, size_t pos) { return static_cast<unsigned char>(bytes[pos]); }

std::string hex_byte(unsigned value) {
  static const char kHex[] = "0123456789ABCDEF";
  return {kHex[(value >> 4) & 15], kHex[value & 15]};
}

// ---- XMP packet ------------------------------------------------------------------------------

// Text content for an XML element. The quotes need no escaping there but are escaped anyway, so
// the text could also go into an attribute. A raw CR would be turned into LF by XML parsers
// (XML 1.0 §2.11), so it is written as a character reference.
std::string xml_escaped(const std::string& text, const char* what) {
  BRIVL_CHECK(unicode::is_valid_utf8(text), "XMP ", what, " is not valid UTF-8");
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        BRIVL_CHECK(static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n', "XMP ", what,
                    " contains the control character U+00", hex_byte(static_cast<unsigned char>(c)),
                    ", which XML 1.0 cannot hold");
        out += c;
    }
  }
  return out;
}

// One reference without '&' and ';' ("lt", "#233", "#x732B") as UTF-8.
std::string decode_reference(std::string_view ref, const std::string& name) {
  if (ref == "lt") return "<";
  if (ref == "gt") return ">";
  if (ref == "amp") return "&";
  if (ref == "quot") return "\"";
  if (ref == "apos") return "'";
  const bool hex = ref.size() > 2 && ref[1] == 'x';
  const std::string_view digits = ref.empty() ? std::string_view() : ref.substr(hex ? 2 : 1);  // "&;" is empty
  uint32_t cp = 0;
  bool ok = ref.size() > 1 && ref[0] == '#' && !digits.empty() && digits.size() <= 7;
  for (size_t i = 0; ok && i < digits.size(); ++i) {
    const char d = digits[i];
    const int v = d >= '0' && d <= '9'          ? d - '0'
                  : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                  : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                : -1;
    ok = v >= 0;
    cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
  }
  ok = ok && cp > 0 && cp <= unicode::kMaxCodePoint && !(cp >= 0xD800 && cp <= 0xDFFF);
  BRIVL_CHECK(ok, name, ": XMP brivl:settings has an unknown or invalid reference &", std::string(ref), ";");
  std::string out;
  unicode::append_utf8(static_cast<char32_t>(cp), out);
  return out;
}

std::string xml_unescaped(std::string_view text, const std::string& name) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '&') {
      out += text[i++];
      continue;
    }
    const size_t semicolon = text.find(';', i);
    BRIVL_CHECK(semicolon != std::string_view::npos, name, ": XMP brivl:settings has an unterminated reference");
    out += decode_reference(text.substr(i + 1, semicolon - i - 1), name);
    i = semicolon + 1;
  }
  return out;
}

// ---- JPEG ------------------------------------------------------------------------------------

// A marker segment before the image data (ITU-T T.81 §B.1.1.4): `size` covers the marker, any
// fill bytes before it, the length field and the payload.
struct Segment {
  unsigned marker = 0;
  size_t offset = 0, size = 0;
  std::string_view payload;
};

bool is_xmp(const Segment& s) {
  return s.marker == 0xE1 && s.payload.substr(0, kJpegSignature.size()) == kJpegSignature;
}
bool is_exif(const Segment& s) { return s.marker == 0xE1 && s.payload.substr(0, 6) == std::string_view("Exif\0\0", 6); }

// Standalone markers (T.81 §B.1.1.3: TEM, RST0-7) have no length field.
bool is_standalone(unsigned marker) { return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7); }

// The segment starting at `pos` (a 0xFF byte), or marker 0xDA (SOS) with size 0 where the
// entropy-coded data begins.
Segment read_segment(std::string_view jpeg, size_t pos, const std::string& name) {
  BRIVL_CHECK(pos < jpeg.size(), name, ": truncated JPEG: it ends at offset ", pos, " before the image data (SOS)");
  BRIVL_CHECK(byte_at(jpeg, pos) == 0xFF, name, ": malformed JPEG: no marker at offset ", pos);
  size_t m = pos + 1;
  while (m < jpeg.size() && byte_at(jpeg, m) == 0xFF) ++m;  // fill bytes (T.81 §B.1.1.2)
  BRIVL_CHECK(m < jpeg.size(), name, ": truncated JPEG: it ends at offset ", m, " inside a marker");
  Segment s;
  s.marker = byte_at(jpeg, m);
  s.offset = pos;
  const std::string where = "segment 0xFF" + hex_byte(s.marker) + " at offset " + std::to_string(pos);
  BRIVL_CHECK(s.marker != 0xD9, name, ": malformed JPEG: end of image (EOI) at offset ", pos, " before any image data");
  BRIVL_CHECK(s.marker != 0x00 && s.marker != 0xD8, name, ": malformed JPEG: unexpected ", where);
  if (s.marker == 0xDA) return s;
  if (is_standalone(s.marker)) {
    s.size = m + 1 - pos;
    return s;
  }
  BRIVL_CHECK(jpeg.size() - m - 1 >= 2, name, ": truncated JPEG: ", where, " has no length field");
  const size_t length = (byte_at(jpeg, m + 1) << 8) | byte_at(jpeg, m + 2);
  BRIVL_CHECK(length >= 2, name, ": malformed JPEG: ", where, " has length ", length);
  BRIVL_CHECK(jpeg.size() - m - 1 >= length, name, ": truncated JPEG: ", where, " needs ", length, " bytes, only ",
              jpeg.size() - m - 1, " remain");
  s.payload = jpeg.substr(m + 3, length - 2);
  s.size = m + 1 + length - pos;
  return s;
}

// The segments between SOI and SOS, and the offset of SOS.
std::vector<Segment> jpeg_header(std::string_view jpeg, const std::string& name, size_t& sos) {
  BRIVL_CHECK(jpeg.size() >= 3 && byte_at(jpeg, 0) == 0xFF && byte_at(jpeg, 1) == 0xD8 && byte_at(jpeg, 2) == 0xFF,
              name, ": not a JPEG file (no SOI marker)");
  std::vector<Segment> segments;
  for (size_t pos = 2;;) {
    Segment s = read_segment(jpeg, pos, name);
    if (s.marker == 0xDA) {
      sos = pos;
      return segments;
    }
    pos += s.size;
    segments.push_back(s);
  }
}

std::string app1_xmp_segment(const std::string& packet, const std::string& name) {
  BRIVL_CHECK(packet.size() <= kMaxJpegPacket, name, ": the XMP metadata is ", packet.size(),
              " bytes; one JPEG APP1 segment holds at most ", kMaxJpegPacket, " (Extended XMP is not supported)");
  const size_t length = 2 + kJpegSignature.size() + packet.size();
  std::string segment = "\xFF\xE1";
  segment += static_cast<char>(length >> 8);
  segment += static_cast<char>(length & 0xFF);
  segment += kJpegSignature;
  return segment + packet;
}

// ---- WebP ------------------------------------------------------------------------------------

constexpr unsigned kVp8xAlphaFlag = 0x10;
constexpr unsigned kVp8xXmpFlag = 0x04;
// RIFF sizes are 32-bit; the container spec caps the RIFF size at 2^32 - 10.
constexpr uint64_t kMaxRiffSize = 0xFFFFFFF6u;

struct RiffChunk {
  std::string fourcc;
  std::string_view payload;
};

uint32_t le_bytes(std::string_view bytes, size_t pos, int count) {
  uint32_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = (value << 8) | byte_at(bytes, pos + static_cast<size_t>(i));
  return value;
}

void append_le(std::string& out, uint32_t value, int count) {
  for (int i = 0; i < count; ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::string printable_fourcc(std::string_view fourcc) {
  std::string out(fourcc);
  for (char& c : out) c = (c >= 32 && c <= 126) ? c : '?';
  return out;
}

// RIFF header (RIFF, size = bytes that follow, WEBP), then chunks: fourcc, size, payload, a pad
// byte when the size is odd. A missing pad after the last chunk is tolerated.
std::vector<RiffChunk> webp_chunks(std::string_view webp, const std::string& name) {
  BRIVL_CHECK(webp.size() >= 12 && webp.substr(0, 4) == "RIFF" && webp.substr(8, 4) == "WEBP", name,
              ": not a WebP file (no RIFF/WEBP header)");
  const uint64_t riff_size = le_bytes(webp, 4, 4);
  BRIVL_CHECK(riff_size >= 4 && riff_size + 8 <= webp.size(), name, ": bad RIFF size ", riff_size, " in a file of ",
              webp.size(), " bytes (it must be the file size - 8 = ", webp.size() - 8, "; truncated file?)");
  const size_t end = static_cast<size_t>(8 + riff_size);
  std::vector<RiffChunk> chunks;
  for (size_t pos = 12; pos < end;) {
    BRIVL_CHECK(end - pos >= 8, name, ": truncated WebP: incomplete chunk header at offset ", pos);
    const std::string fourcc = printable_fourcc(webp.substr(pos, 4));
    const uint32_t size = le_bytes(webp, pos + 4, 4);
    BRIVL_CHECK(end - pos - 8 >= size, name, ": truncated WebP: chunk \"", fourcc, "\" at offset ", pos, " needs ",
                size, " bytes, only ", end - pos - 8, " remain in the RIFF");
    chunks.push_back({std::string(webp.substr(pos, 4)), webp.substr(pos + 8, size)});
    pos += 8 + size + (size & 1);
  }
  BRIVL_CHECK(!chunks.empty(), name, ": WebP file has no chunks");
  return chunks;
}

std::string riff_chunk(std::string_view fourcc, std::string_view payload) {
  std::string out(fourcc);
  append_le(out, static_cast<uint32_t>(payload.size()), 4);
  out += payload;
  if (payload.size() % 2 == 1) out += '\0';
  return out;
}

// VP8X payload for a simple file's image chunk: flags, 3 reserved bytes, canvas width - 1 and
// height - 1 in 24 bits each. Sizes come from the bitstream headers: VP8 key frame (RFC 6386
// §9.1: tag, start code 9D 01 2A, 14-bit width and height), VP8L (signature 0x2F, 14-bit width - 1,
// 14-bit height - 1, alpha_is_used bit).
std::string vp8x_for(const RiffChunk& image, const std::string& name) {
  const std::string_view p = image.payload;
  uint32_t width = 0, height = 0;
  unsigned flags = kVp8xXmpFlag;
  if (image.fourcc == "VP8 ") {
    BRIVL_CHECK(p.size() >= 10 && (byte_at(p, 0) & 1) == 0 && p.substr(3, 3) == "\x9D\x01\x2A", name,
                ": malformed WebP: the VP8 chunk does not start with a key frame header");
    width = le_bytes(p, 6, 2) & 0x3FFF;
    height = le_bytes(p, 8, 2) & 0x3FFF;
  } else if (image.fourcc == "VP8L") {
    BRIVL_CHECK(p.size() >= 5 && byte_at(p, 0) == 0x2F, name, ": malformed WebP: bad VP8L signature");
    const uint32_t bits = le_bytes(p, 1, 4);
    width = (bits & 0x3FFF) + 1;
    height = ((bits >> 14) & 0x3FFF) + 1;
    if ((bits >> 28) & 1) flags |= kVp8xAlphaFlag;
  } else {
    BRIVL_FAIL(name, ": malformed WebP: the first chunk is \"", printable_fourcc(image.fourcc),
               "\", expected VP8, VP8L or VP8X");
  }
  BRIVL_CHECK(width > 0 && height > 0, name, ": malformed WebP: the image is ", width, "x", height);
  std::string payload;
  payload += static_cast<char>(flags);
  payload += std::string(3, '\0');
  append_le(payload, width - 1, 3);
  append_le(payload, height - 1, 3);
  return payload;
}

}  // namespace

std::string make_settings_packet(const std::string& settings_json, const std::string& creator_tool) {
  // The xpacket id is fixed by the XMP specification; the BOM in begin= marks the packet as UTF-8.
  std::string packet =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
      " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
      "  <rdf:Description rdf:about=\"\"\n"
      "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
      "    xmlns:brivl=\"";
  packet += kNamespace;
  packet += "\">\n   <xmp:CreatorTool>";
  packet += xml_escaped(creator_tool, "creator tool");
  packet += "</xmp:CreatorTool>\n   ";
  packet += kOpenTag;
  packet += xml_escaped(settings_json, "settings");
  packet += kCloseTag;
  packet +=
      "\n"
      "  </rdf:Description>\n"
      " </rdf:RDF>\n"
      "</x:xmpmeta>\n"
      "<?xpacket end=\"w\"?>";
  return packet;
}

std::optional<std::string> settings_from_packet(std::string_view packet, const std::string& name) {
  const size_t open = packet.find(kOpenTag);
  if (open == std::string_view::npos) return std::nullopt;
  const size_t begin = open + kOpenTag.size();
  const size_t close = packet.find(kCloseTag, begin);
  BRIVL_CHECK(close != std::string_view::npos, name, ": malformed XMP: ", kOpenTag, " is not closed");
  return xml_unescaped(packet.substr(begin, close - begin), name);
}

std::string jpeg_with_xmp(std::string_view jpeg, const std::string& packet, const std::string& name) {
  size_t sos = 0;
  const std::vector<Segment> segments = jpeg_header(jpeg, name, sos);
  const std::string xmp = app1_xmp_segment(packet, name);
  std::string out(jpeg.substr(0, 2));  // SOI
  bool inserted = false;
  for (const Segment& s : segments) {
    if (is_xmp(s)) continue;
    if (!inserted && s.marker != 0xE0 && !is_exif(s)) {
      out += xmp;
      inserted = true;
    }
    out += jpeg.substr(s.offset, s.size);
  }
  if (!inserted) out += xmp;
  out += jpeg.substr(sos);
  return out;
}

std::optional<std::string> jpeg_xmp(std::string_view jpeg, const std::string& name) {
  size_t sos = 0;
  for (const Segment& s : jpeg_header(jpeg, name, sos)) {
    if (is_xmp(s)) return std::string(s.payload.substr(kJpegSignature.size()));
  }
  return std::nullopt;
}

std::string webp_with_xmp(std::string_view webp, const std::string& packet, const std::string& name) {
  const std::vector<RiffChunk> chunks = webp_chunks(webp, name);
  std::string body;
  if (chunks.front().fourcc == "VP8X") {
    BRIVL_CHECK(chunks.front().payload.size() >= 10, name, ": malformed WebP: the VP8X chunk has ",
                chunks.front().payload.size(), " bytes, expected 10");
    std::string vp8x(chunks.front().payload);
    vp8x[0] = static_cast<char>(byte_at(vp8x, 0) | kVp8xXmpFlag);
    body += riff_chunk("VP8X", vp8x);
  } else {
    body += riff_chunk("VP8X", vp8x_for(chunks.front(), name));
    body += riff_chunk(chunks.front().fourcc, chunks.front().payload);
  }
  for (size_t i = 1; i < chunks.size(); ++i) {
    if (chunks[i].fourcc != "XMP ") body += riff_chunk(chunks[i].fourcc, chunks[i].payload);
  }
  body += riff_chunk("XMP ", packet);  // last: after the image and any EXIF chunk, as the spec orders them
  BRIVL_CHECK(body.size() + 4 <= kMaxRiffSize, name, ": WebP file with metadata would exceed the RIFF limit of 4 GiB");
  std::string out = "RIFF";
  append_le(out, static_cast<uint32_t>(body.size() + 4), 4);
  out += "WEBP";
  return out + body;
}

std::optional<std::string> webp_xmp(std::string_view webp, const std::string& name) {
  for (const RiffChunk& chunk : webp_chunks(webp, name)) {
    if (chunk.fourcc == "XMP ") return std::string(chunk.payload);
  }
  return std::nullopt;
}

}  // namespace brivl::xmp
