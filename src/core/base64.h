// Base64 (RFC 4648, with padding) over OpenSSL's EVP block coder: for binary
// profiles kept in JSON and text columns. Thread-safe (pure).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry {

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not padded base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace ferry
