// Sha256: a streaming SHA-256 (OpenSSL's EVP) with a lowercase hex digest.
// Thread-compatible; not copyable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace ferry {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const char* data, size_t n);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  // The digest of everything so far; call once.
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

}  // namespace ferry
