#include "herald/connection.hpp"

#include "herald/worker.hpp"

namespace herald {

Connection::Connection(Worker& worker, Transport transport)
    : worker_(worker), transport_(transport) {
    worker_.connection_opened(*this);
}

Connection::~Connection() {
    worker_.connection_closed(*this);
}

} // namespace herald
