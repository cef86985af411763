#include "herald/poll/poll_request.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <optional>

namespace herald {

std::variant<Millis, ParamError> parse_poll_timeout(std::string_view text) {
    try {
        return parse_duration(std::string(text));
    } catch (const ConfigError& e) {
        return ParamError{"timeout", e.what()};
    }
}

std::variant<PollParams, ParamError> parse_poll_target(std::string_view target,
                                                       std::size_t max_channels,
                                                       Millis max_timeout) {
    auto stream = parse_stream_target(target, max_channels);
    if (auto* error = std::get_if<ParamError>(&stream))
        return std::move(*error);
    // parse_stream_target has accepted the target, so this parse succeeds too.
    auto url = boost::urls::parse_origin_form(target);
    std::optional<std::string> timeout_text;
    for (auto param : url->params())
        if (param.key == "timeout")
            timeout_text = param.value;
    Millis timeout = default_poll_timeout;
    if (timeout_text) {
        auto parsed = parse_poll_timeout(*timeout_text);
        if (auto* error = std::get_if<ParamError>(&parsed))
            return std::move(*error);
        timeout = std::get<Millis>(parsed);
    }
    return PollParams{std::move(std::get<StreamParams>(stream)), std::min(timeout, max_timeout)};
}

} // namespace herald
