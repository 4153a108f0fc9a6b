#include "tests/support/self_signed.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

namespace sb::test {

namespace {

using File = std::unique_ptr<FILE, decltype(&std::fclose)>;

File open_for_writing(const std::string& path) {
  File f(std::fopen(path.c_str(), "w"), std::fclose);
  if (!f) throw std::runtime_error("self-signed certificate: cannot write " + path);
  return f;
}

}  // namespace

SelfSignedCert make_self_signed_cert(const std::string& dir, const std::string& stem,
                                     const std::string& host) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("self-signed certificate: key generation failed");
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
  const std::string san = "DNS:" + host;
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    if (ext == nullptr || X509_add_ext(x, ext, -1) != 1) {
      X509_EXTENSION_free(ext);
      throw std::runtime_error("self-signed certificate: extension failed");
    }
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("self-signed certificate: signing failed");
  }
  SelfSignedCert out{dir + "/" + stem + ".pem", dir + "/" + stem + "-key.pem"};
  auto cf = open_for_writing(out.cert_file);
  auto kf = open_for_writing(out.key_file);
  if (PEM_write_X509(cf.get(), x) != 1 ||
      PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("self-signed certificate: cannot write PEM files in " + dir);
  }
  return out;
}

}  // namespace sb::test
