#ifndef neuhom_nn_model_io_h
#define neuhom_nn_model_io_h

#include <neuhom/nn/network.h>
#include <neuhom/nn/torch.h>

#include <string>

namespace neuhom
{
  /**
   * Save the parameters and buffers of @p module (by their dotted names) to
   * @p file_name in LibTorch's archive format, atomically: a killed run
   * never leaves a truncated file where a good one was.
   */
  void
  save_module(const torch::nn::Module &module, const std::string &file_name);

  /**
   * Save @p archive to @p file_name via a temporary file and a rename, so
   * that a killed run never leaves a truncated file where a good one was.
   */
  void
  save_archive_atomically(torch::serialize::OutputArchive &archive,
                          const std::string               &file_name);

  /** Write the parameters and buffers of @p module into @p archive. */
  void
  write_module(const torch::nn::Module         &module,
               torch::serialize::OutputArchive &archive);

  /**
   * Read what write_module() wrote into @p module; @p file_name only names
   * the file in the InputError thrown for a missing tensor or a wrong shape.
   */
  void
  read_module(torch::nn::Module              &module,
              torch::serialize::InputArchive &archive,
              const std::string              &file_name);

  /**
   * Open the archive @p file_name; InputError if it does not exist or is not
   * a LibTorch archive. @p what names the kind of file in the message.
   */
  torch::serialize::InputArchive
  open_archive(const std::string &file_name, const std::string &what);

  /**
   * Load what save_module() wrote into a module of the same architecture.
   * Throws an InputError naming the file and the problem if the file does
   * not exist, is not a model archive, lacks one of the module's tensors or
   * stores it with another shape.
   */
  void
  load_module(torch::nn::Module &module, const std::string &file_name);


  /**
   * A TorchScript module exported from PyTorch (torch.jit.script or trace,
   * then .save()), used like any other Network: forward() calls the
   * module's forward on a batch (N, n_in) and expects (N, n_out) back.
   * The module is converted to the given precision.
   */
  class ScriptedNetwork : public Network
  {
  public:
    /** Throws an InputError if the file is missing or not TorchScript. */
    ScriptedNetwork(const std::string &file_name,
                    unsigned int       n_inputs,
                    unsigned int       n_outputs,
                    torch::Dtype       dtype = torch::kFloat64);

    torch::Tensor
    raw_forward(const torch::Tensor &x) override;

  private:
    torch::jit::Module module;
  };
} // namespace neuhom

#endif
