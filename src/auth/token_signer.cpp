#include "herald/auth/token_signer.hpp"

#include <jwt.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace herald::auth {

std::string sign_token(const std::string& alg, std::string_view key, const nlohmann::json& payload,
                       const std::string& kid) {
    const jwt_alg_t id = jwt_str_alg(alg.c_str());
    if (id == JWT_ALG_INVAL || id == JWT_ALG_NONE)
        throw std::runtime_error("cannot sign with algorithm " + alg);
    if (!payload.is_object())
        throw std::runtime_error("the payload must be a JSON object");
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0)
        throw std::runtime_error("jwt_new failed");
    std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
    const std::string key_copy(key);
    if (jwt_set_alg(jwt.get(), id, reinterpret_cast<const unsigned char*>(key_copy.data()),
                    static_cast<int>(key_copy.size())) != 0)
        throw std::runtime_error("libjwt refused the key for " + alg);
    if (!kid.empty() && jwt_add_header(jwt.get(), "kid", kid.c_str()) != 0)
        throw std::runtime_error("libjwt refused the kid");
    if (jwt_add_grants_json(jwt.get(), payload.dump().c_str()) != 0)
        throw std::runtime_error("libjwt refused the payload");
    char* out = jwt_encode_str(jwt.get());
    if (!out)
        throw std::runtime_error("signing with " + alg + " failed (wrong key type?)");
    std::string token(out);
    std::free(out);
    return token;
}

} // namespace herald::auth
