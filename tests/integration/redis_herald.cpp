#include "redis_server.hpp"

#include <stdexcept>

namespace herald_test {

std::vector<std::string> redis_herald_args(const std::string& url, std::vector<std::string> more) {
    std::vector<std::string> args = {"--redis-url",      url,    "--canary-interval", "1s",
                                     "--canary-timeout", "500ms"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

HttpResponse readyz(std::uint16_t port) {
    return http_get(port, "/readyz");
}

bool wait_ready(std::uint16_t port, Millis timeout) {
    return wait_until(
        [&] {
            try {
                return readyz(port).status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout);
}

std::optional<nlohmann::json> wait_not_ready(std::uint16_t port, Millis timeout) {
    std::optional<nlohmann::json> body;
    wait_until(
        [&] {
            try {
                auto response = readyz(port);
                if (response.status != 503)
                    return false;
                body = response.json();
                return true;
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout);
    return body;
}

std::string reason_of(const std::optional<nlohmann::json>& body) {
    return body && body->is_object() ? body->value("reason", "") : "";
}

bool publish_until_received(RedisConnection& redis, const std::string& channel,
                            const std::string& payload, Millis timeout, long long receivers,
                            Millis period) {
    return wait_until([&] { return redis.publish(channel, payload) >= receivers; }, timeout,
                      period);
}

RedisHerald::RedisHerald(std::vector<std::string> more_args, RedisServer::Options redis_options)
    : redis(std::move(redis_options)),
      herald(redis_herald_args(redis.url(), std::move(more_args))) {
    if (!wait_ready(herald.port())) {
        auto log = herald.log();
        if (log.size() > 4000)
            log = "..." + log.substr(log.size() - 4000);
        throw std::runtime_error("herald with Redis did not become ready within 10 s; /readyz: " +
                                 readyz(herald.port()).body + "\nherald log:\n" + log);
    }
}

} // namespace herald_test
