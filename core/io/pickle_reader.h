#pragma once
// A whitelisting unpickler for PyTorch state dicts (`torch.save` zip format, data.pkl).
// Only the globals a state dict needs are accepted (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter, torch.*Storage); any other global
// (e.g. posix.system) is refused by name and nothing is ever executed. Tensors come back as
// references to storages (records), to be materialised lazily by the caller.
// Ref: CPython Lib/pickle.py (opcodes, protocol 2-5), torch/serialization.py `_load`.
#include <cstddef>
#include <string>

#include "io/pickle_value.h"

namespace brivl {

// Parses `data` (the bytes of data.pkl). `source` names the file in error messages.
PyRef unpickle_state_dict(const char* data, size_t size, const std::string& source);

}  // namespace brivl
