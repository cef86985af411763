#include "publish_wire.hpp"

namespace bench {

namespace {

std::string channel_of(const WireTarget& t, std::uint64_t k) {
    if (!t.fixed_channel.empty())
        return t.fixed_channel;
    return t.channel_prefix + std::to_string(k % t.channels);
}

void http_post(std::string& out, std::string_view target, const WireTarget& t,
               std::string_view type, std::string_view body) {
    out.append("POST ").append(target).append(" HTTP/1.1\r\nHost: ").append(t.host_header);
    out.append("\r\nContent-Type: ").append(type);
    out.append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    out.append(body);
}

void resp_bulk(std::string& out, std::string_view s) {
    out.append("$").append(std::to_string(s.size())).append("\r\n").append(s).append("\r\n");
}

} // namespace

bool is_redis(PublishMode mode) {
    return mode == PublishMode::redis_envelope || mode == PublishMode::redis_raw ||
           mode == PublishMode::redis_function;
}

std::string build_publish(PublishMode mode, const WireTarget& t, std::uint64_t first,
                          std::uint64_t n, std::string_view data) {
    std::string out, body;
    switch (mode) {
    case PublishMode::herald_json:
        body.reserve(n * (data.size() + t.channel_prefix.size() + 40) + 2);
        body.push_back('[');
        for (std::uint64_t j = 0; j < n; ++j) {
            body.append(j ? "," : "").append(R"({"channel":")").append(channel_of(t, first + j));
            body.append(R"(","data":")").append(data).append("\"}");
        }
        body.push_back(']');
        http_post(out, "/publish", t, "application/json", body);
        break;
    case PublishMode::pushpin_http:
        // Data is digits, a space and 'x's: nothing to escape but the newlines.
        body.append(R"({"items":[)");
        for (std::uint64_t j = 0; j < n; ++j) {
            body.append(j ? "," : "").append(R"({"channel":")").append(channel_of(t, first + j));
            body.append(R"(","formats":{"http-stream":{"content":"data: )").append(data);
            body.append(R"(\n\n"},"ws-message":{"content":")").append(data).append("\"}}}");
        }
        body.append("]}");
        http_post(out, "/publish/", t, "application/json", body);
        break;
    case PublishMode::nchan_http:
        http_post(out, "/pub/" + channel_of(t, first), t, "text/plain", data);
        break;
    case PublishMode::epoll_http:
        http_post(out, "/publish?channel=" + channel_of(t, first), t, "text/plain", data);
        break;
    case PublishMode::redis_function: {
        // What an application runs to publish into herald's shared history
        // (README "Shared history"): the channel's stream, herald's default
        // history_size (100) and history_ttl (5 min), the envelope.
        std::string envelope;
        envelope.append(R"({"data":")").append(data).append("\"}");
        for (std::uint64_t j = 0; j < n; ++j) {
            const auto channel = channel_of(t, first + j);
            out.append("*8\r\n");
            resp_bulk(out, "FCALL");
            resp_bulk(out, "herald_publish");
            resp_bulk(out, "1");
            resp_bulk(out, "#history{" + channel + "}");
            resp_bulk(out, channel);
            resp_bulk(out, "100");
            resp_bulk(out, "300000");
            resp_bulk(out, envelope);
        }
        break;
    }
    case PublishMode::redis_envelope:
    case PublishMode::redis_raw: {
        std::string envelope;
        if (mode == PublishMode::redis_envelope)
            envelope.append(R"({"data":")").append(data).append("\"}");
        std::string_view payload = mode == PublishMode::redis_envelope ? envelope : data;
        for (std::uint64_t j = 0; j < n; ++j) {
            out.append("*3\r\n");
            resp_bulk(out, "PUBLISH");
            resp_bulk(out, channel_of(t, first + j));
            resp_bulk(out, payload);
        }
        break;
    }
    }
    return out;
}

std::size_t parse_resp(std::string_view in, std::uint64_t want, RespReplies& out) {
    std::size_t pos = 0;
    std::uint64_t got = 0;
    while (got < want) {
        auto end = in.find("\r\n", pos);
        if (end == std::string_view::npos)
            break;
        auto line = in.substr(pos, end - pos);
        if (line.starts_with("$")) { // a bulk string: FCALL herald_publish's stream id
            auto data_end = in.find("\r\n", end + 2);
            if (data_end == std::string_view::npos)
                break;
            ++out.integers;
            ++got;
            pos = data_end + 2;
            continue;
        }
        if (line.starts_with(":")) {
            ++out.integers;
            if (line == ":0")
                ++out.zero_receivers; // nobody subscribed in Redis yet
        } else {
            ++out.errors;
            out.last_error = std::string(line.substr(0, 120));
        }
        ++got;
        pos = end + 2;
    }
    return pos;
}

} // namespace bench
