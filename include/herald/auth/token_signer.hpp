#pragma once
// Signs a token with libjwt, for `herald token` and the tests.
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace herald::auth {

// `alg` is HS256/384/512 (key = secret bytes), RS256/384/512 or ES256/384/512
// (key = private key PEM). Adds the header "typ":"JWT". Throws
// std::runtime_error when libjwt refuses the key or the payload. A non-empty
// `kid` goes into the header (for JWKS).
std::string sign_token(const std::string& alg, std::string_view key, const nlohmann::json& payload,
                       const std::string& kid = {});

} // namespace herald::auth
