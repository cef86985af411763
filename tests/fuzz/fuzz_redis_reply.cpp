// RESP replies from a (possibly broken or hostile) Redis server, as the
// bridge's connections read them: ReplyReader, then classify_pubsub.
//
// Invariants:
//  - the replies do not depend on how the bytes were split into reads;
//  - every reply, encoded back to RESP, decodes to the same reply;
//  - a reader with small limits yields a prefix of the same replies and
//    never an array longer than its max_elements; once failed, it stays
//    failed and says why;
//  - classify_pubsub's Message/SubscribeAck carry the reply's own fields.
#include "fuzz_check.hpp"
#include "herald/broker/redis/payload.hpp"
#include "herald/broker/redis/pubsub_message.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <cstdint>
#include <vector>

namespace {

using herald::redis::ReaderLimits;
using herald::redis::Reply;
using herald::redis::ReplyReader;

struct Outcome {
    std::vector<Reply> replies;
    bool failed = false;
};

Outcome read_all(std::string_view input, std::size_t step, ReaderLimits limits = {}) {
    ReplyReader reader(limits);
    Outcome out;
    for (std::size_t at = 0; at < input.size(); at += step) {
        const auto piece = input.substr(at, step);
        reader.feed(piece.data(), piece.size());
        while (auto reply = reader.next())
            out.replies.push_back(std::move(*reply));
        if (reader.failed())
            break;
    }
    out.failed = reader.failed();
    if (out.failed) {
        FUZZ_CHECK(!reader.next());
        FUZZ_CHECK(!reader.error().empty());
    }
    return out;
}

void encode(const Reply& r, std::string& out) {
    switch (r.type) {
    case Reply::Type::string:
        out += "$" + std::to_string(r.str.size()) + "\r\n" + r.str + "\r\n";
        break;
    case Reply::Type::status:
        out += "+" + r.str + "\r\n";
        break;
    case Reply::Type::error:
        out += "-" + r.str + "\r\n";
        break;
    case Reply::Type::integer:
        out += ":" + std::to_string(r.integer) + "\r\n";
        break;
    case Reply::Type::nil:
        out += "$-1\r\n";
        break;
    case Reply::Type::array:
        out += "*" + std::to_string(r.elements.size()) + "\r\n";
        for (const auto& e : r.elements)
            encode(e, out);
        break;
    }
}

bool within(const Reply& r, std::size_t max_elements) {
    if (r.elements.size() > max_elements)
        return false;
    for (const auto& e : r.elements)
        if (!within(e, max_elements))
            return false;
    return true;
}

void check_pubsub(const Reply& reply) {
    using namespace herald::redis;
    const auto event = classify_pubsub(reply);
    if (const auto* m = std::get_if<Message>(&event)) {
        FUZZ_CHECK(reply.type == Reply::Type::array && reply.elements.size() == 3);
        FUZZ_CHECK(m->channel == reply.elements[1].str && m->payload == reply.elements[2].str);
        classify_payload(m->payload); // what the bridge does next; checked in fuzz_envelope
    } else if (const auto* ack = std::get_if<SubscribeAck>(&event)) {
        FUZZ_CHECK(reply.type == Reply::Type::array && reply.elements.size() == 3);
        FUZZ_CHECK(ack->channel == reply.elements[1].str);
        FUZZ_CHECK(ack->count == reply.elements[2].integer);
    } else if (const auto* error = std::get_if<ErrorReply>(&event)) {
        FUZZ_CHECK(reply.type == Reply::Type::error && error->message == reply.str);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(bytes), size);
    const auto whole = read_all(input, input.size() + 1);
    const auto pieces = read_all(input, herald_fuzz::chunk_size(bytes, size, 24));
    FUZZ_CHECK(whole.failed == pieces.failed);
    FUZZ_CHECK(whole.replies == pieces.replies);

    for (const auto& reply : whole.replies) {
        std::string wire;
        encode(reply, wire);
        const auto back = read_all(wire, 7);
        FUZZ_CHECK(!back.failed && back.replies.size() == 1 && back.replies[0] == reply);
        check_pubsub(reply);
    }

    const ReaderLimits small{.max_elements = 4, .max_buffered = 64};
    const auto limited = read_all(input, herald_fuzz::chunk_size(bytes, size, 16), small);
    FUZZ_CHECK(limited.replies.size() <= whole.replies.size());
    for (std::size_t i = 0; i < limited.replies.size(); ++i) {
        FUZZ_CHECK(limited.replies[i] == whole.replies[i]);
        FUZZ_CHECK(within(limited.replies[i], small.max_elements));
    }
    if (limited.replies.size() < whole.replies.size())
        FUZZ_CHECK(limited.failed);
    return 0;
}
