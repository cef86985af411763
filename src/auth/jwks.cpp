#include "herald/auth/jwks.hpp"

#include "herald/auth/base64url.hpp"

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>

namespace herald::auth {

namespace {

using json = nlohmann::json;

template <class T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
void bio_free(BIO* b) {
    BIO_free(b);
}
using Bio = std::unique_ptr<BIO, Deleter<BIO, bio_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

Pkey read_pem(std::string_view pem) {
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return Pkey(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

std::variant<std::vector<std::string>, std::string> algorithms_of(EVP_PKEY* key) {
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(key) < 2048)
            return std::string("RSA key shorter than 2048 bits");
        return std::vector<std::string>{"RS256", "RS384", "RS512"};
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        char group[64] = {};
        std::size_t len = 0;
        if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                            &len))
            return std::string("EC key without a named curve");
        std::string_view name(group, len);
        if (name == "prime256v1")
            return std::vector<std::string>{"ES256"};
        if (name == "secp384r1")
            return std::vector<std::string>{"ES384"};
        if (name == "secp521r1")
            return std::vector<std::string>{"ES512"};
        return "unsupported EC curve " + std::string(name);
    }
    return std::string("unsupported key type (expected RSA or EC)");
}

std::string to_pem(EVP_PKEY* key) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
        return {};
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// A string member, or `fallback` when it is absent or not a string.
std::string str(const json& jwk, const char* name, const char* fallback = "") {
    auto it = jwk.find(name);
    return it != jwk.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::optional<std::string> member(const json& jwk, const char* name) {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string())
        return std::nullopt;
    return base64url_decode(it->get_ref<const std::string&>());
}

Pkey from_params(const char* type, OSSL_PARAM_BLD* bld) {
    Params params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    return Pkey(key);
}

std::variant<Pkey, std::string> rsa_key(const json& jwk) {
    auto n = member(jwk, "n"), e = member(jwk, "e");
    if (!n || !e || n->empty() || e->empty())
        return std::string("RSA key needs base64url n and e");
    auto bin = [](const std::string& s) {
        return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(s.data()),
                                static_cast<int>(s.size()), nullptr));
    };
    Bignum bn_n = bin(*n), bn_e = bin(*e);
    ParamBld bld(OSSL_PARAM_BLD_new());
    if (!bn_n || !bn_e || !bld ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
        return std::string("cannot build RSA key");
    if (auto key = from_params("RSA", bld.get()))
        return key;
    return std::string("invalid RSA key");
}

std::variant<Pkey, std::string> ec_key(const json& jwk) {
    if (str(jwk, "crv") != "P-256")
        return std::string("EC key must use crv P-256");
    auto x = member(jwk, "x"), y = member(jwk, "y");
    if (!x || !y || x->size() != 32 || y->size() != 32)
        return std::string("EC P-256 key needs 32-byte base64url x and y");
    std::string point = "\x04" + *x + *y; // uncompressed SEC1 point
    ParamBld bld(OSSL_PARAM_BLD_new());
    if (!bld ||
        !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                          point.size()))
        return std::string("cannot build EC key");
    if (auto key = from_params("EC", bld.get()))
        return key;
    return std::string("invalid EC key (point not on P-256)");
}

} // namespace

std::variant<std::vector<std::string>, std::string> algorithms_for_pem(std::string_view pem) {
    auto key = read_pem(pem);
    if (!key)
        return std::string("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    return algorithms_of(key.get());
}

std::variant<std::vector<VerificationKey>, std::string> parse_jwks(std::string_view text) {
    const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
        return std::string("JWKS must be a JSON object with a \"keys\" array");
    std::vector<VerificationKey> keys;
    std::size_t index = 0;
    for (const auto& jwk : doc["keys"]) {
        const std::string where = "keys[" + std::to_string(index++) + "]";
        if (!jwk.is_object())
            return where + ": not an object";
        const std::string kty = str(jwk, "kty");
        if ((kty != "RSA" && kty != "EC") || str(jwk, "use", "sig") != "sig")
            continue; // e.g. encryption keys: not ours to use
        auto made = kty == "RSA" ? rsa_key(jwk) : ec_key(jwk);
        if (auto* error = std::get_if<std::string>(&made))
            return where + ": " + *error;
        auto& key = std::get<Pkey>(made);
        auto algorithms = algorithms_of(key.get());
        if (auto* error = std::get_if<std::string>(&algorithms))
            return where + ": " + *error;
        VerificationKey out{str(jwk, "kid"), std::get<std::vector<std::string>>(algorithms),
                            to_pem(key.get())};
        if (auto alg = jwk.find("alg"); alg != jwk.end()) {
            auto& allowed = out.algorithms;
            if (!alg->is_string() ||
                std::find(allowed.begin(), allowed.end(), *alg) == allowed.end())
                return where + ": alg does not fit the key";
            allowed = {alg->get<std::string>()};
        }
        if (out.material.empty())
            return where + ": cannot encode the key";
        keys.push_back(std::move(out));
    }
    if (keys.empty())
        return std::string("JWKS has no usable signing key (RSA or EC P-256)");
    return keys;
}

} // namespace herald::auth
