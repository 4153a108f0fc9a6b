#include "adapters/channel.h"


namespace sb::adapters {

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
