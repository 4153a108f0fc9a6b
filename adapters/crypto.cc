#include "adapters/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace sb::adapters {

namespace {
std::string to_hex(const unsigned char* d, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 0xF];
  }
  return out;
}
// OpenSSL 3 looks an algorithm up by name, under a lock of its provider
// store, each time one is used through EVP_sha256() or HMAC() (an "implicit
// fetch"). On the webhook path that lock was shared by the I/O threads: two
// threads made 5-23 % more HMACs per second than one (bench/channel_bench.cc).
// The algorithms are fetched once; each thread keeps its own HMAC context.
const EVP_MD* fetched_sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

class ThreadHmac {
 public:
  ThreadHmac() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return;
    ctx_ = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx_ != nullptr && EVP_MAC_CTX_set_params(ctx_, params) != 1) {
      EVP_MAC_CTX_free(ctx_);
      ctx_ = nullptr;
    }
  }
  ~ThreadHmac() { EVP_MAC_CTX_free(ctx_); }
  ThreadHmac(const ThreadHmac&) = delete;
  ThreadHmac& operator=(const ThreadHmac&) = delete;

  bool ready() const { return ctx_ != nullptr; }

  // False if OpenSSL failed (then the caller takes the one-shot path).
  bool mac(std::string_view key, std::string_view data, unsigned char* out, std::size_t& len) {
    if (ctx_ == nullptr) return false;
    // A null key would re-use the previous call's key: an empty key is
    // passed as a valid pointer with length 0.
    static const unsigned char kEmpty[1] = {0};
    const auto* k = key.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    return EVP_MAC_init(ctx_, k, key.size(), nullptr) == 1 &&
           EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) ==
               1 &&
           EVP_MAC_final(ctx_, out, &len, EVP_MAX_MD_SIZE) == 1;
  }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
};
}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const EVP_MD* sha256 = fetched_sha256();
  EVP_Digest(data.data(), data.size(), md, &len, sha256 != nullptr ? sha256 : EVP_sha256(),
             nullptr);
  return to_hex(md, len);
}

namespace {
ThreadHmac& thread_hmac() {
  thread_local ThreadHmac hmac;
  return hmac;
}
}  // namespace

bool hmac_uses_thread_context() { return thread_hmac().ready(); }

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  ThreadHmac& hmac = thread_hmac();
  std::size_t len = 0;
  if (hmac.mac(key, data, md, len)) return to_hex(md, len);
  unsigned int one_shot_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &one_shot_len);
  return to_hex(md, one_shot_len);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::string random_token() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

}  // namespace sb::adapters
