#include <neuhom/core/input_error.h>
#include <neuhom/nn/model_io.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace neuhom
{
  namespace
  {
    std::string
    shape_text(const torch::IntArrayRef shape)
    {
      std::ostringstream out;
      out << shape;
      return out.str();
    }


    void
    require_readable(const std::string &file_name, const std::string &what)
    {
      if (!std::ifstream(file_name))
        throw InputError(what + " '" + file_name +
                         "' does not exist or cannot be read");
    }
  } // namespace


  void
  write_module(const torch::nn::Module         &module,
               torch::serialize::OutputArchive &archive)
  {
    for (const auto &p : module.named_parameters())
      archive.write(p.key(), p.value());
    for (const auto &b : module.named_buffers())
      archive.write(b.key(), b.value(), /*is_buffer=*/true);
  }


  void
  save_archive_atomically(torch::serialize::OutputArchive &archive,
                          const std::string               &file_name)
  {
    const std::string temporary = file_name + ".tmp";
    try
      {
        archive.save_to(temporary);
      }
    catch (const c10::Error &error)
      {
        throw InputError("cannot write '" + temporary +
                         "': " + error.what_without_backtrace());
      }
    if (std::rename(temporary.c_str(), file_name.c_str()) != 0)
      throw InputError("cannot rename '" + temporary + "' to '" + file_name +
                       "'");
  }


  void
  save_module(const torch::nn::Module &module, const std::string &file_name)
  {
    torch::serialize::OutputArchive archive;
    write_module(module, archive);
    save_archive_atomically(archive, file_name);
  }


  torch::serialize::InputArchive
  open_archive(const std::string &file_name, const std::string &what)
  {
    require_readable(file_name, what);
    torch::serialize::InputArchive archive;
    try
      {
        archive.load_from(file_name);
      }
    catch (const c10::Error &)
      {
        throw InputError(what + " '" + file_name +
                         "' is not a LibTorch archive (corrupt or "
                         "truncated?)");
      }
    return archive;
  }


  void
  read_module(torch::nn::Module              &module,
              torch::serialize::InputArchive &archive,
              const std::string              &file_name)
  {
    torch::NoGradGuard no_grad;
    const auto read = [&](const std::string &name, torch::Tensor &target) {
      torch::Tensor stored;
      if (!archive.try_read(name, stored))
        throw InputError("model file '" + file_name + "' has no tensor '" +
                         name + "': it was saved from another architecture");
      if (stored.sizes() != target.sizes())
        throw InputError("model file '" + file_name + "': tensor '" + name +
                         "' has shape " + shape_text(stored.sizes()) +
                         " in the file, the network expects " +
                         shape_text(target.sizes()));
      target.copy_(stored);
    };
    for (auto &p : module.named_parameters())
      read(p.key(), p.value());
    for (auto &b : module.named_buffers())
      read(b.key(), b.value());
  }


  void
  load_module(torch::nn::Module &module, const std::string &file_name)
  {
    auto archive = open_archive(file_name, "model file");
    read_module(module, archive, file_name);
  }


  ScriptedNetwork::ScriptedNetwork(const std::string &file_name,
                                   const unsigned int n_inputs,
                                   const unsigned int n_outputs,
                                   const torch::Dtype dtype)
    : Network(n_inputs, n_outputs, dtype)
  {
    require_readable(file_name, "TorchScript file");
    try
      {
        module = torch::jit::load(file_name);
      }
    catch (const c10::Error &)
      {
        throw InputError("TorchScript file '" + file_name +
                         "' cannot be loaded: not a module saved by "
                         "torch.jit.save (corrupt or truncated?)");
      }
    module.to(dtype);
    module.eval();
  }


  torch::Tensor
  ScriptedNetwork::raw_forward(const torch::Tensor &x)
  {
    return module.forward({x}).toTensor();
  }
} // namespace neuhom
