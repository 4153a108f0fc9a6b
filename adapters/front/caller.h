// Who is calling the API: a tenant admin (admin key) or one operator of a
// tenant (operator token). The tenant always comes from the credential, never
// from the request, so no request can reach another tenant's data.
#pragma once

#include <string>

namespace sb::adapters {

struct Caller {
  std::string tenant;
  std::string operator_id;  // empty: the tenant's admin
  bool is_admin() const { return operator_id.empty(); }
};

}  // namespace sb::adapters
