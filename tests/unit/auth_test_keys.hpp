#pragma once
// Keys made at test time with OpenSSL 3, as PEM and as JWK members.
#include "herald/auth/base64url.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <string>

namespace auth_test {

struct KeyPair {
    std::string private_pem;
    std::string public_pem;
    nlohmann::json jwk; // public members only
};

inline std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    return out;
}

inline KeyPair describe(EVP_PKEY* key) {
    if (!key)
        throw std::runtime_error("key generation failed");
    KeyPair pair;
    BIO* priv = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    pair.private_pem = bio_text(priv);
    BIO* pub = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(pub, key);
    pair.public_pem = bio_text(pub);
    auto bn = [&](const char* name) {
        BIGNUM* value = nullptr;
        EVP_PKEY_get_bn_param(key, name, &value);
        std::string bytes(static_cast<std::size_t>(BN_num_bytes(value)), '\0');
        BN_bn2bin(value, reinterpret_cast<unsigned char*>(bytes.data()));
        BN_free(value);
        return herald::auth::base64url_encode(bytes);
    };
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        pair.jwk = {
            {"kty", "RSA"}, {"n", bn(OSSL_PKEY_PARAM_RSA_N)}, {"e", bn(OSSL_PKEY_PARAM_RSA_E)}};
    } else {
        unsigned char point[133];
        std::size_t len = 0;
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
        const std::string p(reinterpret_cast<char*>(point), len); // 0x04 || x || y
        const std::size_t half = (len - 1) / 2;
        pair.jwk = {{"kty", "EC"},
                    {"crv", "P-256"},
                    {"x", herald::auth::base64url_encode(p.substr(1, half))},
                    {"y", herald::auth::base64url_encode(p.substr(1 + half, half))}};
    }
    EVP_PKEY_free(key);
    return pair;
}

inline KeyPair rsa_key(unsigned bits = 2048) {
    return describe(EVP_RSA_gen(bits));
}
inline KeyPair ec_key(const char* curve = "P-256") {
    return describe(EVP_EC_gen(curve));
}

} // namespace auth_test
