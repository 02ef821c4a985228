#include "core/text.h"

namespace ferry {

size_t Utf8SequenceAt(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xE0 && b(i + 1) < 0xA0) || (c == 0xED && b(i + 1) >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && b(i + 1) < 0x90) || (c == 0xF4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0, n = 0; i < s.size(); i += n) {
    if ((n = Utf8SequenceAt(s, i)) == 0) return false;
  }
  return true;
}

std::string QuotedForMessage(std::string_view s, size_t max_bytes) {
  std::string out = "'";
  size_t i = 0;
  while (i < s.size() && i < max_bytes) {
    size_t n = Utf8SequenceAt(s, i);
    bool control = static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7F;
    if (n == 0 || control) {
      out += '?';
    } else {
      out.append(s.substr(i, n));
    }
    i += n == 0 ? 1 : n;
  }
  return out + (i < s.size() ? "...'" : "'");
}

}  // namespace ferry
