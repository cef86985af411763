// The HTTP request path up to the handlers: raw bytes -> Beast's
// request_parser with herald's header and body limits (as HttpSession reads)
// -> route_request -> the endpoint's own parsing (stream parameters, publish
// body, publish key, client address from X-Forwarded-For).
//
// Invariants: parsing does not depend on how the bytes arrive (whole, or in
// small reads, pipelined requests included); an accepted request is within
// the limits; the router and the parameter parser agree on the path; stream
// parameters are valid, deduplicated and within max_channels_per_connection;
// a poll's timeout is within poll_max_timeout, its cursor is a position only
// in the one spelling format_position gives, and its answer is valid JSON;
// every error answer is valid JSON; secret_equals is equality; the client
// address is the peer or an untrusted entry of X-Forwarded-For.
#include "fuzz_check.hpp"
#include "herald/hub/channel.hpp"
#include "herald/config/config.hpp"
#include "herald/http/admin_request.hpp"
#include "herald/http/http_responses.hpp"
#include "herald/http/publish_request.hpp"
#include "herald/http/request_params.hpp"
#include "herald/http/router.hpp"
#include "herald/poll/poll_answer.hpp"
#include "herald/poll/poll_cursor.hpp"
#include "herald/poll/poll_request.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

namespace {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;

// herald's limits, made small enough for fuzzer-sized inputs to reach them.
const herald::Config config = [] {
    herald::Config c;
    c.max_header_size = 1024;
    c.max_body_size = 1024;
    c.max_channels_per_connection = 8;
    c.poll_max_timeout = std::chrono::seconds(30);
    return c;
}();
const std::vector<std::string> trusted = {"127.0.0.1", "::1"};

struct Parsed {
    std::vector<Request> requests;
    boost::system::error_code error; // what ended the connection (need_more: EOF mid-request)
};

// Reads requests one after another, as HttpSession does on a keep-alive
// connection, with the input arriving `step` bytes at a time.
Parsed parse(std::string_view input, std::size_t step) {
    Parsed out;
    std::size_t offset = 0;
    std::size_t available = std::min(step, input.size());
    while (out.requests.size() < 16) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(config.max_header_size));
        parser.body_limit(config.max_body_size);
        parser.eager(true);
        boost::system::error_code ec;
        while (!parser.is_done()) {
            const auto n =
                parser.put(boost::asio::buffer(input.data() + offset, available - offset), ec);
            offset += n;
            if (ec == http::error::need_more || (!ec && n == 0)) {
                if (available == input.size()) {
                    ec = offset == input.size() && !parser.got_some()
                             ? http::error::end_of_stream
                             : http::error::partial_message;
                    break;
                }
                available = std::min(available + step, input.size());
                ec = {};
                continue;
            }
            if (ec)
                break;
        }
        if (ec) {
            out.error = ec;
            return out;
        }
        out.requests.push_back(parser.release());
    }
    return out;
}

bool same(const Request& a, const Request& b) {
    if (a.method_string() != b.method_string() || a.target() != b.target() ||
        a.version() != b.version() || a.body() != b.body())
        return false;
    auto i = a.begin(), j = b.begin();
    for (; i != a.end() && j != b.end(); ++i, ++j)
        if (i->name_string() != j->name_string() || i->value() != j->value())
            return false;
    return i == a.end() && j == b.end();
}

bool valid_json(const std::string& text) {
    return !nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false).is_discarded();
}

void check_stream(const Request& request, std::string_view path) {
    const auto parsed =
        herald::parse_stream_target(request.target(), config.max_channels_per_connection);
    if (const auto* error = std::get_if<herald::ParamError>(&parsed)) {
        FUZZ_CHECK(error->field == "target" || error->field == "channel");
        FUZZ_CHECK(
            valid_json(herald::json_error(error->field + ": " + error->message, error->field)));
        return;
    }
    const auto& params = std::get<herald::StreamParams>(parsed);
    FUZZ_CHECK(params.path == path);
    FUZZ_CHECK(params.channels.size() <= config.max_channels_per_connection);
    const std::set<std::string> unique(params.channels.begin(), params.channels.end());
    FUZZ_CHECK(unique.size() == params.channels.size());
    for (const auto& channel : params.channels)
        FUZZ_CHECK(herald::is_valid_channel(channel));
    (void)boost::beast::websocket::is_upgrade(request);
}

void check_poll(const Request& request) {
    const auto parsed = herald::parse_poll_target(
        request.target(), config.max_channels_per_connection, config.poll_max_timeout);
    if (const auto* error = std::get_if<herald::ParamError>(&parsed)) {
        FUZZ_CHECK(error->field == "target" || error->field == "channel" ||
                   error->field == "timeout");
        FUZZ_CHECK(
            valid_json(herald::json_error(error->field + ": " + error->message, error->field)));
        return;
    }
    const auto& params = std::get<herald::PollParams>(parsed);
    FUZZ_CHECK(params.timeout.count() >= 0 && params.timeout <= config.poll_max_timeout);
    FUZZ_CHECK(params.stream.channels.size() <= config.max_channels_per_connection);

    // The cursor: a position has one spelling; anything else is an event id.
    herald::PollCursor cursor(params.stream.last_event_id);
    if (params.stream.last_event_id) {
        const auto& text = *params.stream.last_event_id;
        if (const auto position = herald::parse_position(text)) {
            FUZZ_CHECK(!position->boot.empty());
            FUZZ_CHECK(herald::format_position(position->boot, position->seq) == text);
        }
    }
    cursor.set_position("0123456789abcdef", 7, request.body().empty());
    FUZZ_CHECK(!cursor.value().empty() || params.stream.last_event_id);
    const herald::PollAnswer answer({}, cursor.value(), !request.body().empty(), request.body(),
                                    {true, ""});
    FUZZ_CHECK(valid_json(answer.body()));
    FUZZ_CHECK(answer.body().size() == answer.body_size());
}

// An /admin request (parse_admin_request): what it accepts is whole, and
// the close reason fits a WebSocket close frame.
void check_admin(const Request& request, herald::admin::Action action) {
    auto parsed = herald::parse_admin_request(action, request.target(), request.body());
    const auto* r = std::get_if<herald::admin::Request>(&parsed);
    if (!r)
        return;
    FUZZ_CHECK(r->action == action);
    FUZZ_CHECK(r->limit >= 1 && r->limit <= herald::admin::max_limit);
    FUZZ_CHECK(action == herald::admin::Action::channels || !r->user.empty());
    FUZZ_CHECK(action != herald::admin::Action::unsubscribe || herald::is_valid_channel(r->channel));
    const bool body = action == herald::admin::Action::disconnect ||
                      action == herald::admin::Action::unsubscribe;
    FUZZ_CHECK(!body || (!r->reason.empty() && r->reason.size() <= herald::max_close_reason));
}

void check_publish(const Request& request) {
    const std::string key = "fuzz-publish-key";
    const auto auth = request[http::field::authorization];
    const auto given = auth.substr(std::min<std::size_t>(7, auth.size()));
    FUZZ_CHECK(herald::secret_equals(given, key) == (given == key));
    FUZZ_CHECK(herald::secret_equals(auth, auth));

    const auto parsed = herald::parse_publish_body(request.body());
    if (const auto* error = std::get_if<herald::PublishParseError>(&parsed)) {
        FUZZ_CHECK(valid_json(herald::json_error(error->message, error->field)));
        return;
    }
    const auto& items = std::get<std::vector<herald::PublishRequest>>(parsed);
    FUZZ_CHECK(!items.empty() && items.size() <= 1000);
}

void check_client_address(const Request& request) {
    const auto forwarded = request["X-Forwarded-For"];
    FUZZ_CHECK(herald::client_address("192.0.2.7", forwarded, trusted) == "192.0.2.7");
    const auto client = herald::client_address("127.0.0.1", forwarded, trusted);
    if (client == "127.0.0.1")
        return;
    FUZZ_CHECK(!client.empty() && forwarded.find(client) != std::string_view::npos);
    FUZZ_CHECK(client.find(',') == std::string::npos);
    FUZZ_CHECK(client.front() != ' ' && client.front() != '\t');
    FUZZ_CHECK(client.back() != ' ' && client.back() != '\t');
    FUZZ_CHECK(client != "::1");
}

void check_request(const Request& request) {
    FUZZ_CHECK(request.body().size() <= config.max_body_size);
    std::size_t head = request.target().size();
    for (const auto& field : request)
        head += field.name_string().size() + field.value().size();
    FUZZ_CHECK(head <= config.max_header_size);

    const auto target = request.target();
    const auto path = target.substr(0, target.find('?'));
    const auto route = herald::route_request(request.method(), target);
    const std::set<std::string_view> known = {
        "/events",         "/ws",          "/poll",           "/publish",
        "/presence",       "/healthz",     "/readyz",         "/metrics",
        "/admin/channels", "/admin/connections", "/admin/disconnect", "/admin/unsubscribe",
        "/admin/presence"};
    FUZZ_CHECK((route.endpoint == herald::Endpoint::not_found) == !known.contains(path));
    FUZZ_CHECK(route.endpoint != herald::Endpoint::not_found || !route.method_allowed);
    check_client_address(request);
    if (!route.method_allowed)
        return;
    switch (route.endpoint) {
    case herald::Endpoint::events:
    case herald::Endpoint::ws:
        FUZZ_CHECK(request.method() == http::verb::get);
        return check_stream(request, path);
    case herald::Endpoint::poll:
        FUZZ_CHECK(request.method() == http::verb::get);
        check_stream(request, path);
        return check_poll(request);
    case herald::Endpoint::publish:
        FUZZ_CHECK(request.method() == http::verb::post);
        return check_publish(request);
    case herald::Endpoint::admin_disconnect:
        FUZZ_CHECK(request.method() == http::verb::post);
        return check_admin(request, herald::admin::Action::disconnect);
    case herald::Endpoint::admin_unsubscribe:
        FUZZ_CHECK(request.method() == http::verb::post);
        return check_admin(request, herald::admin::Action::unsubscribe);
    case herald::Endpoint::admin_channels:
        FUZZ_CHECK(request.method() == http::verb::get || request.method() == http::verb::head);
        return check_admin(request, herald::admin::Action::channels);
    case herald::Endpoint::admin_connections:
        FUZZ_CHECK(request.method() == http::verb::get || request.method() == http::verb::head);
        return check_admin(request, herald::admin::Action::connections);
    default:
        FUZZ_CHECK(request.method() == http::verb::get || request.method() == http::verb::head);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    const auto whole = parse(input, input.size() + 1);
    const auto pieces = parse(input, herald_fuzz::chunk_size(bytes, size, 40));
    // Beast bounds the request line and the fields apart when they arrive in
    // one read, but their sum when they do not: a head near the limit may
    // pass or not depending on the reads. herald's own check (below) makes
    // what it accepts independent of that.
    const auto limited = [](const Parsed& p) { return p.error == http::error::header_limit; };
    if (!limited(whole) && !limited(pieces)) {
        FUZZ_CHECK(whole.requests.size() == pieces.requests.size());
        for (std::size_t i = 0; i < whole.requests.size(); ++i)
            FUZZ_CHECK(same(whole.requests[i], pieces.requests[i]));
        // Beast may spot a bad request line before its end arrives, or only
        // once it has: on a connection that ends mid-request, either is fine.
        const auto truncated = [](const Parsed& p) {
            return p.error == http::error::partial_message;
        };
        FUZZ_CHECK(whole.error == pieces.error || truncated(whole) || truncated(pieces));
    }
    for (const auto* parsed : {&whole, &pieces}) {
        for (const auto& request : parsed->requests) {
            if (herald::request_head_size(request) > config.max_header_size)
                break; // HttpSession answers 431 and closes
            check_request(request);
        }
    }
    return 0;
}
