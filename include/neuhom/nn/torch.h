#ifndef neuhom_nn_torch_h
#define neuhom_nn_torch_h

// The one place neuhom includes LibTorch. deal.II defines a function-like
// macro Assert(cond, exc); torch's TorchScript front end declares a struct
// Assert. Saving and restoring the macro around the torch headers lets the
// two be included in any order and keeps deal.II's Assert usable afterwards.
// clang-format off
#pragma push_macro("Assert")
#undef Assert
#include <torch/script.h>
#include <torch/torch.h>
#pragma pop_macro("Assert")
// clang-format on

#endif
