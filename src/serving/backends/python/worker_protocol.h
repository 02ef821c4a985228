// The binary protocol between the C++ front and a Python model worker,
// over a Unix socket pair. Little-endian; no JSON per row.
//
//   frame   := u32 body_length | u8 kind | body          (body ≤ 1 GiB)
//   kind    := 1 LOAD     body = UTF-8 JSON {"dir", "tensor_based", "inputs": [names],
//                                            "outputs": [names]}
//              2 PREDICT  body = tensors
//              3 OK       body = tensors (after PREDICT) | UTF-8 JSON (after LOAD)
//              4 ERROR    body = u8 code | UTF-8 message
//                         code 1: the input was refused (the caller's fault, 4xx)
//                         code 2: the model failed (5xx)
//   tensors := u32 count | tensor*
//   tensor  := u16 name_length | name | u8 datatype | u8 rank | i64 dims[rank]
//              | u64 byte_length | bytes
// `datatype` is serving::DataType's index (BOOL=0 … FP64=11, BYTES=12);
// BYTES data is the OIP layout (u32 length + bytes per element).
// python/ferry/worker.py implements the other side.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "serving/tensor.h"

namespace ferry::serving::worker {

enum class Kind : uint8_t { kLoad = 1, kPredict = 2, kOk = 3, kError = 4 };
enum class ErrorCode : uint8_t { kBadInput = 1, kModelFailed = 2 };

inline constexpr uint32_t kMaxBody = 1u << 30;

std::string EncodeTensors(std::span<const Tensor> tensors);
// kInvalidArgument when the bytes are not a well-formed tensor list.
Result<std::vector<Tensor>> DecodeTensors(std::string_view body);
// The 5-byte frame header for a body of `size` bytes.
std::string FrameHeader(Kind kind, size_t size);

}  // namespace ferry::serving::worker
