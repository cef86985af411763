#include "herald/broker/broker.hpp"

#include <atomic>
#include <chrono>
#include <random>

namespace herald {

void EmbeddedBroker::publish(std::vector<Publication> publications, PublishHandler done) {
    std::vector<std::shared_ptr<Event>> events;
    events.reserve(publications.size());
    for (auto& publication : publications)
        events.push_back(make_event(std::move(publication)));
    net::post(hub_.context(), [this, events = std::move(events), done = std::move(done)]() mutable {
        done(hub_.ingest(std::move(events), /*reject_duplicates=*/true));
    });
}

namespace {
std::string base36(std::uint64_t v) {
    static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string out;
    do {
        out.insert(out.begin(), digits[v % 36]);
        v /= 36;
    } while (v);
    return out;
}
} // namespace

void stamp_publication(const Config& config, Publication& p) {
    p.ephemeral = p.ephemeral || is_ephemeral_event(config, p.channel, p.name);
    if (p.ephemeral)
        p.id.clear();
    else if (p.id.empty())
        p.id = generate_event_id();
}

std::string generate_event_id() {
    // The start time alone is not enough: nodes started in the same
    // millisecond (a deploy) would hand out the same ids, and ids now meet
    // in the shared history and in presence. 40 random bits make that
    // vanishingly unlikely.
    static const std::string prefix = [] {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
        std::random_device random;
        const auto bits = ((std::uint64_t{random()} << 32) | random()) & ((1ULL << 40) - 1);
        return base36(static_cast<std::uint64_t>(ms)) + base36(bits) + "-";
    }();
    static std::atomic<std::uint64_t> counter{0};
    return prefix + base36(counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

} // namespace herald
