// Configuration text (TOML) -> Config, as herald reads its --config file.
//
// Invariants: a text is either accepted or refused with a ConfigError (any
// other exception would kill herald at start-up with no useful message); an
// accepted config written back with to_toml reads back equal, and writing it
// again gives the same text; its listen address and Redis URL parse.
#include "fuzz_check.hpp"
#include "herald/config/config.hpp"
#include "herald/broker/redis/redis_url.hpp"
#include "herald/upstream/http_target.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(bytes), size);
    herald::Config config;
    try {
        config = herald::parse_config_text(text, "fuzz.toml");
    } catch (const herald::ConfigError& e) {
        FUZZ_CHECK(std::string_view(e.what()).starts_with("config file fuzz.toml") ||
                   std::string_view(e.what()).find(" (from ") != std::string_view::npos);
        return 0;
    }

    const std::string written = herald::to_toml(config);
    herald::Config reread;
    try {
        reread = herald::parse_config_text(written, "written.toml");
    } catch (const herald::ConfigError& e) {
        std::fprintf(stderr, "to_toml wrote a config that does not parse: %s\n%s\n", e.what(),
                     written.c_str());
        std::abort();
    }
    FUZZ_CHECK(reread == config);
    FUZZ_CHECK(herald::to_toml(reread) == written);

    const auto listen = herald::parse_listen(config.listen); // checked: must not throw
    FUZZ_CHECK(!listen.host.empty());
    if (!config.redis_url.empty()) {
        const auto endpoint = herald::redis::parse_redis_url(config.redis_url);
        if (const auto* e = std::get_if<herald::redis::RedisEndpoint>(&endpoint)) {
            FUZZ_CHECK(e->kind == herald::redis::RedisEndpoint::tcp ? !e->host.empty()
                                                                    : e->path.starts_with("/"));
            auto other = *e; // the logged form must not depend on the password
            other.password = e->password.empty() ? "" : "another secret";
            FUZZ_CHECK(herald::redis::redacted(other) == herald::redis::redacted(*e));
        }
    }
    if (!config.jwks_url.empty()) { // the key check parsed it; the fetcher relies on that
        const auto url = herald::upstream::parse_http_target(config.jwks_url, "https");
        const auto* parts = std::get_if<herald::upstream::HttpTarget>(&url);
        FUZZ_CHECK(parts && !parts->host.empty() && parts->target.starts_with("/") &&
                   !parts->port.empty());
    }
    return 0;
}
