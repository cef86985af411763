#include "http_client.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace herald_test {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}
} // namespace

void HeaderMap::set(std::string name, std::string value) {
    fields[lower(std::move(name))] = std::move(value);
}

bool HeaderMap::has(std::string name) const {
    return fields.count(lower(std::move(name))) != 0;
}

std::string HeaderMap::get(std::string name) const {
    auto it = fields.find(lower(std::move(name)));
    return it == fields.end() ? std::string() : it->second;
}

nlohmann::json HttpResponse::json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

HttpResponse http_request(std::uint16_t port, http::verb method, const std::string& target,
                          const std::string& body, const Headers& headers, Millis timeout) {
    net::io_context context;
    beast::tcp_stream stream(context);
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    request.keep_alive(false);
    for (const auto& [name, value] : headers)
        request.set(name, value);
    if (!body.empty() || method == http::verb::post) {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
        request.prepare_payload();
    }

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    error_code result;
    stream.expires_after(timeout); // one deadline for the whole exchange
    stream.async_connect(tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port),
                         [&](error_code ec) {
                             if ((result = ec))
                                 return;
                             http::async_write(stream, request, [&](error_code ec, std::size_t) {
                                 if ((result = ec))
                                     return;
                                 http::async_read(stream, buffer, parser,
                                                  [&](error_code ec, std::size_t) { result = ec; });
                             });
                         });
    context.run();
    if (result)
        throw std::runtime_error(std::string(http::to_string(method)) + " " + target + ": " +
                                 result.message());
    HttpResponse response;
    auto& message = parser.get();
    response.status = message.result_int();
    for (const auto& field : message)
        response.headers.set(std::string(field.name_string()), std::string(field.value()));
    response.body = message.body();
    return response;
}

HttpResponse http_get(std::uint16_t port, const std::string& target) {
    return http_request(port, http::verb::get, target);
}

HttpResponse publish_raw(std::uint16_t port, const std::string& body,
                         const std::optional<std::string>& key) {
    Headers headers;
    if (key)
        headers.emplace_back("Authorization", "Bearer " + *key);
    return http_request(port, http::verb::post, "/publish", body, headers);
}

HttpResponse publish(std::uint16_t port, const nlohmann::json& body,
                     const std::optional<std::string>& key) {
    return publish_raw(port, body.dump(), key);
}

std::string publish_event(std::uint16_t port, const std::string& channel,
                          const nlohmann::json& data, const std::string& event,
                          const std::string& id, const std::optional<std::string>& key) {
    nlohmann::json body{{"channel", channel}, {"data", data}};
    if (!event.empty())
        body["event"] = event;
    if (!id.empty())
        body["id"] = id;
    auto ids = publish_batch(port, body, key);
    if (ids.size() != 1)
        throw std::runtime_error("publish: expected one id");
    return ids.front();
}

std::vector<std::string> publish_batch(std::uint16_t port, const nlohmann::json& events,
                                       const std::optional<std::string>& key) {
    auto response = publish(port, events, key);
    auto json = response.json();
    if (response.status != 202 || !json.is_object() || !json.contains("ids"))
        throw std::runtime_error("publish: expected 202 {\"ids\":[...]}, got " +
                                 std::to_string(response.status) + " " + response.body);
    return json["ids"].get<std::vector<std::string>>();
}

} // namespace herald_test
