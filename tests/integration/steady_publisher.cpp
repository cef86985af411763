#include "steady_publisher.hpp"

#include "http_client.hpp"

#include <cstdio>

namespace herald_test {

using Clock = std::chrono::steady_clock;

SteadyPublisher::SteadyPublisher(std::uint16_t port, std::vector<std::string> channels,
                                 unsigned rate)
    : port_(port), channels_(std::move(channels)), rate_(rate) {}

SteadyPublisher::~SteadyPublisher() {
    stop();
}

void SteadyPublisher::start() {
    thread_ = std::thread([this] { run(); });
}

void SteadyPublisher::stop() {
    stop_ = true;
    if (thread_.joinable())
        thread_.join();
}

PublishLedger SteadyPublisher::ledger() const {
    std::lock_guard lock(mutex_);
    return ledger_;
}

void SteadyPublisher::run() {
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)) / rate_;
    std::vector<unsigned> attempts(channels_.size(), 0);
    auto next = Clock::now();
    for (std::size_t turn = 0; !stop_; ++turn) {
        // Round robin, so that every channel gets the same steady share.
        const std::size_t c = turn % channels_.size();
        char id[32];
        std::snprintf(id, sizeof id, "c%02zu-%06u", c, ++attempts[c]);
        const nlohmann::json body = {
            {"channel", channels_[c]}, {"id", id}, {"data", {{"n", attempts[c]}}}};
        std::optional<HttpResponse> answer;
        try {
            answer = publish(port_, body, std::nullopt);
        } catch (const std::exception&) {
            // No answer (the node died holding the request, or a timeout):
            // the event may be in Redis or not.
        }
        {
            std::lock_guard lock(mutex_);
            // No answer (the node died holding the request) or 502 (Redis
            // died holding the command): the event may be in Redis or not.
            if (!answer || answer->status == 502)
                ledger_.uncertain.insert(id);
            else if (answer->status == 202 &&
                     answer->json().value("ids", nlohmann::json::array()) ==
                         nlohmann::json::array({id}))
                ledger_.accepted[channels_[c]].push_back({id, Clock::now()});
            else if (answer->status == 202) // accepted under another id: cannot be checked
                ledger_.uncertain.insert(id);
            else
                ++ledger_.refused;
        }
        if (answer && answer->status == 202)
            ++accepted_count_;
        next += period;
        const auto now = Clock::now();
        if (next < now - std::chrono::seconds(1))
            next = now; // after a long stall, do not make up for it in a burst
        std::this_thread::sleep_until(next);
    }
}

} // namespace herald_test
