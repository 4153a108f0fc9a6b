#include "adapters/channel.h"

namespace sb::adapters {

DeliveryResult delivery(DeliveryResult::Kind kind, int http_status, std::string error) {
  DeliveryResult d;
  d.kind = kind;
  d.http_status = http_status;
  d.error = std::move(error);
  return d;
}

DeliveryResult transport_failure(const Status& st) {
  return delivery(st.code() == Code::kUnavailable ? DeliveryResult::Kind::kRetry : DeliveryResult::Kind::kFailed,
                  0, st.message());
}

std::string body_excerpt(std::string_view body) {
  std::string out(body.substr(0, 120));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return body.size() > out.size() ? out + "..." : out;
}

std::optional<outbound::OutboundRequest> ChannelAdapter::build_send(const proto::ChannelConfig&,
                                                                   const std::string&,
                                                                   const std::string&) const {
  return std::nullopt;
}

DeliveryResult ChannelAdapter::interpret_send(const Result<outbound::OutboundResponse>&) const {
  DeliveryResult r;
  r.kind = DeliveryResult::Kind::kFailed;
  r.error = "this channel type cannot send replies";
  return r;
}

}  // namespace sb::adapters
