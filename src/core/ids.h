// Random identifiers (run ids are 32 lowercase hex chars, like MLflow's uuid4().hex).
// Thread-safe.
#pragma once
#include <string>
#include <string_view>

namespace ferry {

std::string NewRunId();
// True when `id` has the shape NewRunId produces (or any [0-9a-zA-Z_-]{1,64}).
bool IsValidId(std::string_view id);

}  // namespace ferry
