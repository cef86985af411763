#pragma once
// A herald that checks tokens: HS256 secret, public channel "broadcast",
// token cookie "herald_token", one allowed foreign origin. Tokens are signed
// in the test with libjwt (herald::auth::sign_token).
#include "harness.hpp"
#include "herald/auth/token_signer.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace herald_test {

inline const std::string kJwtSecret = "integration-test-secret-0123456789abcdef";

inline std::vector<std::string> secure_flags(std::vector<std::string> more = {}) {
    std::vector<std::string> flags = {
        "--jwt-secret",   kJwtSecret,     "--public-channels", "broadcast",
        "--token-cookie", "herald_token", "--allowed-origins", "https://app.example"};
    flags.insert(flags.end(), more.begin(), more.end());
    return fast_flags(flags);
}

inline std::string make_token(nlohmann::json claims, std::int64_t ttl_seconds = 300,
                              const std::string& secret = kJwtSecret) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    if (!claims.contains("exp"))
        claims["exp"] = now + ttl_seconds;
    return herald::auth::sign_token("HS256", secret, claims);
}

// The JSON body of a refused request, checked for status and "field".
inline void expect_refused(unsigned status, const std::string& body, unsigned want_status,
                           const std::string& want_field) {
    EXPECT_EQ(status, want_status) << body;
    auto json = nlohmann::json::parse(body, nullptr, false);
    ASSERT_TRUE(json.is_object()) << body;
    EXPECT_TRUE(json.contains("error")) << body;
    EXPECT_EQ(json.value("field", ""), want_field) << body;
}

inline double auth_failures(std::uint16_t port, const std::string& reason) {
    return metric_value(port, "herald_auth_failures_total{reason=\"" + reason + "\"}").value_or(-1);
}

} // namespace herald_test
