#pragma once
// Blocking one-request HTTP/1.1 client (Beast) for publish, healthz, metrics
// and arbitrary requests against 127.0.0.1. Each call opens a connection,
// sends one request with "Connection: close" and reads the whole response.
#include "timed_socket.hpp"

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace herald_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; a repeated header keeps its last value.
struct HeaderMap {
    std::map<std::string, std::string> fields; // keys lower-cased
    void set(std::string name, std::string value);
    bool has(std::string name) const;
    std::string get(std::string name) const; // "" when absent
};

struct HttpResponse {
    unsigned status = 0;
    HeaderMap headers;
    std::string body;

    std::string header(const std::string& name) const { return headers.get(name); }
    bool has_header(const std::string& name) const { return headers.has(name); }
    // Parses the body as JSON (a discarded value if it is not JSON).
    nlohmann::json json() const;
};

// Throws std::runtime_error on connection errors and timeouts.
HttpResponse http_request(std::uint16_t port, boost::beast::http::verb method,
                          const std::string& target, const std::string& body = {},
                          const Headers& headers = {}, Millis timeout = kTimeout);
HttpResponse http_get(std::uint16_t port, const std::string& target);

// POST /publish; `key` adds "Authorization: Bearer <key>".
HttpResponse publish_raw(std::uint16_t port, const std::string& body,
                         const std::optional<std::string>& key = std::nullopt);
HttpResponse publish(std::uint16_t port, const nlohmann::json& body,
                     const std::optional<std::string>& key = std::nullopt);

// Publishes one event and returns its id; throws unless the answer is 202.
std::string publish_event(std::uint16_t port, const std::string& channel,
                          const nlohmann::json& data, const std::string& event = {},
                          const std::string& id = {},
                          const std::optional<std::string>& key = std::nullopt);
// Publishes a batch and returns the ids; throws unless the answer is 202.
std::vector<std::string> publish_batch(std::uint16_t port, const nlohmann::json& events,
                                       const std::optional<std::string>& key = std::nullopt);

} // namespace herald_test
