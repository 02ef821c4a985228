// GoogleTest assertions on Status/Result values, shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/status.h"

namespace ferry::testing_util {

// Fails unless `r` is an InvalidArgument whose message contains every `want`.
template <typename T>
::testing::AssertionResult FailsWith(const Result<T>& r, std::initializer_list<std::string_view> want) {
  if (r.ok()) return ::testing::AssertionFailure() << "succeeded, expected an error";
  if (r.status().code() != StatusCode::kInvalidArgument) {
    return ::testing::AssertionFailure() << "code " << StatusCodeName(r.status().code()) << ": "
                                         << r.status().message();
  }
  for (std::string_view w : want) {
    if (r.status().message().find(w) == std::string::npos) {
      return ::testing::AssertionFailure() << "message '" << r.status().message() << "' lacks '" << w << "'";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ferry::testing_util
