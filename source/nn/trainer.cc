#include <neuhom/core/input_error.h>
#include <neuhom/core/progress.h>
#include <neuhom/core/stop_request.h>
#include <neuhom/core/summary.h>
#include <neuhom/nn/model_io.h>
#include <neuhom/nn/trainer.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace neuhom
{
  namespace
  {
    std::vector<double>
    to_vector(const torch::Tensor &t)
    {
      const auto d = t.detach().to(torch::kFloat64).contiguous();
      return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
    }


    // All tensors flattened into one contiguous float64 buffer.
    torch::Tensor
    flatten(const std::vector<torch::Tensor> &tensors)
    {
      std::vector<torch::Tensor> flat;
      for (const auto &t : tensors)
        flat.push_back(t.detach().reshape({-1}).to(torch::kFloat64));
      return torch::cat(flat);
    }


    // Copy the entries of a flattened buffer back into the tensors.
    void
    unflatten(const torch::Tensor              &buffer,
              const std::vector<torch::Tensor> &tensors)
    {
      torch::NoGradGuard no_grad;
      std::int64_t       offset = 0;
      for (const auto &t : tensors)
        {
          auto target = t;
          target.copy_(buffer.slice(0, offset, offset + t.numel()).view_as(t));
          offset += t.numel();
        }
    }


    bool
    all_finite(const std::vector<double> &values)
    {
      for (const double v : values)
        if (!std::isfinite(v))
          return false;
      return true;
    }


    // Checked in place, without copying the tensors.
    bool
    all_finite(const std::vector<torch::Tensor> &tensors)
    {
      for (const auto &t : tensors)
        if (!torch::isfinite(t.detach()).all().item<bool>())
          return false;
      return true;
    }


    std::string
    scientific(const double value, const int digits = 3)
    {
      std::ostringstream out;
      out << std::scientific << std::setprecision(digits) << value;
      return out.str();
    }


    // The fields of the last line of a CSV text, an empty last field
    // included (a history row without a validation loss ends with ',').
    std::vector<std::string>
    last_csv_row(const std::string &csv)
    {
      const std::size_t        end   = csv.find_last_not_of('\n');
      const std::size_t        begin = csv.rfind('\n', end) + 1;
      std::istringstream       line(csv.substr(begin, end + 1 - begin));
      std::vector<std::string> fields;
      for (std::string field; std::getline(line, field, ',');)
        fields.push_back(field);
      if (csv[end] == ',')
        fields.emplace_back();
      return fields;
    }
  } // namespace


  void
  TrainingParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Training");
    prm.declare_entry("Optimizer",
                      "adam",
                      Patterns::Selection("adam|lbfgs"),
                      "adam, or lbfgs (torch's L-BFGS; one outer iteration "
                      "runs 'L-BFGS inner iterations' of it, full batch).");
    prm.declare_entry("Iterations", "1000", Patterns::Integer(1), "");
    prm.declare_entry("Learning rate", "1e-3", Patterns::Double(0.), "lr0.");
    prm.declare_entry("Adam beta1", "0.9", Patterns::Double(0., 1.), "");
    prm.declare_entry("Adam beta2", "0.999", Patterns::Double(0., 1.), "");
    prm.declare_entry("Adam epsilon", "1e-8", Patterns::Double(0.), "");
    prm.declare_entry("L-BFGS inner iterations",
                      "20",
                      Patterns::Integer(1),
                      "torch::optim::LBFGS max_iter per outer iteration.");
    prm.declare_entry("L-BFGS history", "50", Patterns::Integer(1), "");
    prm.declare_entry("L-BFGS gradient tolerance",
                      "1e-12",
                      Patterns::Double(0.),
                      "An L-BFGS step does nothing once the largest entry of "
                      "the gradient is below this.");
    prm.declare_entry("L-BFGS line search",
                      "true",
                      Patterns::Bool(),
                      "Strong Wolfe line search (else fixed steps lr).");
    prm.declare_entry("Schedule",
                      "constant",
                      Patterns::Selection(
                        "constant|step|exponential|single step"),
                      "Learning rate lr0 * gamma^(it/k): exponential uses the "
                      "real quotient it/k, step rounds it down; single step: "
                      "lr0 for it < k, lr0 * gamma afterwards.");
    prm.declare_entry("Decay rate", "0.9", Patterns::Double(0., 1.), "gamma.");
    prm.declare_entry("Decay steps", "1000", Patterns::Integer(1), "k.");
    prm.declare_entry("Loss weighting",
                      "fixed",
                      Patterns::Selection("fixed|self-adaptive|gradient norm"),
                      "fixed: the initial weights throughout; self-adaptive: "
                      "the weights are maximized by gradient ascent (min-max, "
                      "Adam only); gradient norm: every 'Rebalance interval' "
                      "iterations w_i <- s w_i + (1 - s) sum_j |grad L_j| / "
                      "|grad L_i|.");
    prm.declare_entry("Initial weights",
                      "",
                      Patterns::List(Patterns::Double(0.), 0),
                      "One weight per loss term; empty means all 1.");
    prm.declare_entry("Weight learning rate",
                      "1e-3",
                      Patterns::Double(0.),
                      "Adam step size of the gradient ascent on the "
                      "self-adaptive weights.");
    prm.declare_entry("Rebalance interval", "100", Patterns::Integer(1), "");
    prm.declare_entry("Rebalance smoothing",
                      "0.9",
                      Patterns::Double(0., 1.),
                      "s in the gradient norm update.");
    prm.declare_entry("Parameter averaging",
                      "0",
                      Patterns::Double(0., 1.),
                      "d < 1 of an exponential moving average of the "
                      "parameters, the iterates theta_1 .. theta_t weighted "
                      "by d^(t - k) and normalized (the initial parameters "
                      "get no weight), which damps the noise of stochastic "
                      "losses; the network ends with the average, and the "
                      "validation loss is taken with it. 0: off.");
    prm.declare_entry("Parameter averaging start",
                      "0",
                      Patterns::Integer(0),
                      "s: the average covers the iterates after the first s "
                      "iterations only (before, it is the iterate), so that "
                      "the far-off early iterates, whose weight decays only "
                      "like d^t, do not slow its convergence.");
    prm.declare_entry("Tolerance",
                      "0",
                      Patterns::Double(0.),
                      "Stop early when the weighted loss is below this.");
    prm.declare_entry("Validation interval",
                      "0",
                      Patterns::Integer(0),
                      "Evaluate the validation loss every this many "
                      "iterations; 0: never.");
    prm.declare_entry("Checkpoint interval",
                      "0",
                      Patterns::Integer(0),
                      "Write a checkpoint every this many iterations and at "
                      "the end; 0: never.");
    prm.declare_entry("Checkpoint file",
                      "checkpoint.pt",
                      Patterns::Anything(),
                      "");
    prm.declare_entry("Resume",
                      "false",
                      Patterns::Bool(),
                      "Continue from the checkpoint file.");
    prm.declare_entry("History file",
                      "",
                      Patterns::Anything(),
                      "CSV of the losses per iteration; empty: none.");
    prm.declare_entry("Progress interval",
                      "2",
                      Patterns::Double(0.),
                      "Seconds between progress lines.");
    prm.leave_subsection();
  }


  void
  TrainingParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Training");
    optimizer                = prm.get("Optimizer");
    iterations               = prm.get_integer("Iterations");
    learning_rate            = prm.get_double("Learning rate");
    adam_beta1               = prm.get_double("Adam beta1");
    adam_beta2               = prm.get_double("Adam beta2");
    adam_epsilon             = prm.get_double("Adam epsilon");
    lbfgs_inner_iterations   = prm.get_integer("L-BFGS inner iterations");
    lbfgs_history            = prm.get_integer("L-BFGS history");
    lbfgs_gradient_tolerance = prm.get_double("L-BFGS gradient tolerance");
    lbfgs_line_search        = prm.get_bool("L-BFGS line search");
    schedule                 = prm.get("Schedule");
    decay_rate               = prm.get_double("Decay rate");
    decay_steps              = prm.get_integer("Decay steps");
    loss_weighting           = prm.get("Loss weighting");
    initial_weights          = Utilities::string_to_double(
      Utilities::split_string_list(prm.get("Initial weights")));
    weight_learning_rate = prm.get_double("Weight learning rate");
    rebalance_interval   = prm.get_integer("Rebalance interval");
    rebalance_smoothing  = prm.get_double("Rebalance smoothing");
    averaging_decay      = prm.get_double("Parameter averaging");
    averaging_start      = prm.get_integer("Parameter averaging start");
    tolerance            = prm.get_double("Tolerance");
    validation_interval  = prm.get_integer("Validation interval");
    checkpoint_interval  = prm.get_integer("Checkpoint interval");
    checkpoint_file      = prm.get("Checkpoint file");
    resume               = prm.get_bool("Resume");
    history_file         = prm.get("History file");
    progress_interval    = prm.get_double("Progress interval");
    prm.leave_subsection();
    require(!(loss_weighting == "self-adaptive" && optimizer == "lbfgs"),
            "Training/Loss weighting",
            "self-adaptive weights need 'Optimizer = adam' (the min-max "
            "problem has no line search)");
    require(!resume || checkpoint_interval > 0,
            "Training/Resume",
            "resuming needs 'Checkpoint interval' > 0");
    require(averaging_decay < 1,
            "Training/Parameter averaging",
            "the decay must be below 1 (1 would never move the average)");
    require(averaging_start == 0 || averaging_decay > 0,
            "Training/Parameter averaging start",
            "a start needs 'Parameter averaging' > 0 (without averaging "
            "the start would be ignored)");
    require(averaging_decay == 0 || averaging_start < iterations,
            "Training/Parameter averaging start",
            "the start " + std::to_string(averaging_start) +
              " must be below 'Iterations' = " + std::to_string(iterations) +
              " (the network would end as the last iterate, without any "
              "average)");
  }


  double
  TrainingParameters::learning_rate_at(const unsigned int iteration) const
  {
    if (schedule == "constant")
      return learning_rate;
    if (schedule == "single step")
      return iteration < decay_steps ? learning_rate :
                                       learning_rate * decay_rate;
    const double quotient = static_cast<double>(iteration) / decay_steps;
    return learning_rate *
           std::pow(decay_rate,
                    schedule == "step" ? std::floor(quotient) : quotient);
  }


  Trainer::Trainer(const TrainingParameters       &parameters,
                   torch::nn::Module              &module,
                   const std::vector<std::string> &term_names,
                   const MPI_Comm                  comm)
    : parameters(parameters)
    , module(module)
    , term_names(term_names)
    , comm(comm)
    , model_parameters(module.parameters())
  {
    AssertThrow(!model_parameters.empty(),
                ExcMessage("module without parameters"));
    require(parameters.initial_weights.empty() ||
              parameters.initial_weights.size() == term_names.size(),
            "Training/Initial weights",
            "give one weight per loss term (" +
              std::to_string(term_names.size()) + ") or none");
    const auto dtype = model_parameters[0].scalar_type();
    weights          = parameters.initial_weights.empty() ?
                         torch::ones({static_cast<std::int64_t>(term_names.size())},
                            torch::TensorOptions().dtype(dtype)) :
                         torch::tensor(parameters.initial_weights).to(dtype);
    if (parameters.loss_weighting == "self-adaptive")
      {
        weights.set_requires_grad(true);
        ascent_parameters.push_back(weights);
      }

    if (parameters.optimizer == "adam")
      optimizer = std::make_unique<torch::optim::Adam>(
        model_parameters,
        torch::optim::AdamOptions(parameters.learning_rate)
          .betas({parameters.adam_beta1, parameters.adam_beta2})
          .eps(parameters.adam_epsilon));
    else
      {
        auto options = torch::optim::LBFGSOptions(parameters.learning_rate)
                         .max_iter(parameters.lbfgs_inner_iterations)
                         .history_size(parameters.lbfgs_history)
                         .tolerance_grad(parameters.lbfgs_gradient_tolerance)
                         .tolerance_change(0);
        if (parameters.lbfgs_line_search)
          options.line_search_fn("strong_wolfe");
        optimizer =
          std::make_unique<torch::optim::LBFGS>(model_parameters, options);
      }

    // Same parameters on every rank, whatever the caller's seeds were.
    if (Utilities::MPI::n_mpi_processes(comm) > 1)
      {
        auto buffer = flatten(model_parameters).contiguous();
        MPI_Bcast(buffer.data_ptr<double>(),
                  buffer.numel(),
                  MPI_DOUBLE,
                  0,
                  comm);
        unflatten(buffer, model_parameters);
      }

    // The averages are training state; the first step overwrites them.
    if (parameters.averaging_decay > 0)
      {
        for (const auto &p : model_parameters)
          averaged_parameters.push_back(p.detach().clone());
        add_checkpoint_state(averaged_parameters);
      }
  }


  void
  Trainer::add_ascent_parameters(const std::vector<torch::Tensor> &tensors)
  {
    AssertThrow(parameters.optimizer == "adam",
                ExcMessage("ascent parameters need the Adam optimizer"));
    ascent_parameters.insert(ascent_parameters.end(),
                             tensors.begin(),
                             tensors.end());
  }


  void
  Trainer::set_validation(const std::function<double()> &function)
  {
    validation = function;
  }


  std::vector<double>
  Trainer::loss_weights() const
  {
    return to_vector(weights);
  }


  void
  Trainer::add_checkpoint_state(const std::vector<torch::Tensor> &tensors)
  {
    checkpoint_state.insert(checkpoint_state.end(),
                            tensors.begin(),
                            tensors.end());
  }


  unsigned int
  Trainer::iteration() const
  {
    return current_iteration;
  }


  void
  Trainer::allreduce(const std::vector<torch::Tensor> &tensors) const
  {
    if (Utilities::MPI::n_mpi_processes(comm) == 1 || tensors.empty())
      return;
    auto buffer = flatten(tensors).contiguous();
    MPI_Allreduce(MPI_IN_PLACE,
                  buffer.data_ptr<double>(),
                  buffer.numel(),
                  MPI_DOUBLE,
                  MPI_SUM,
                  comm);
    unflatten(buffer, tensors);
  }


  torch::Tensor
  Trainer::evaluate_and_backpropagate(const LossFunction &loss_function)
  {
    const auto terms = loss_function();
    AssertThrow(terms.size() == term_names.size(),
                ExcMessage("the loss function returned " +
                           std::to_string(terms.size()) + " terms, expected " +
                           std::to_string(term_names.size())));
    const auto stacked = torch::stack(terms);
    optimizer->zero_grad();
    for (auto &p : ascent_parameters)
      if (p.grad().defined())
        p.mutable_grad().zero_();
    (weights * stacked).sum().backward();

    // Sum the terms and gradients over the ranks in one buffer (nothing is
    // copied on one rank). The gradients of unused parameters are zeros,
    // not undefined.
    std::vector<torch::Tensor> reduced = {stacked.detach().clone()};
    for (auto &p : model_parameters)
      {
        if (!p.grad().defined())
          p.mutable_grad() = torch::zeros_like(p);
        reduced.push_back(p.grad());
      }
    if (weights.requires_grad())
      reduced.push_back(weights.grad());
    allreduce(reduced);
    last_terms = to_vector(reduced[0]);

    double     total = 0;
    const auto w     = loss_weights();
    for (unsigned int i = 0; i < last_terms.size(); ++i)
      total += w[i] * last_terms[i];
    return torch::tensor(total,
                         torch::TensorOptions().dtype(stacked.scalar_type()));
  }


  void
  Trainer::rebalance_weights(const LossFunction &loss_function)
  {
    const auto          terms = loss_function();
    std::vector<double> norms;
    for (const auto &term : terms)
      {
        auto gradients = torch::autograd::grad({term},
                                               model_parameters,
                                               /*grad_outputs=*/{},
                                               /*retain_graph=*/true,
                                               /*create_graph=*/false,
                                               /*allow_unused=*/true);
        for (unsigned int i = 0; i < gradients.size(); ++i)
          if (!gradients[i].defined())
            gradients[i] = torch::zeros_like(model_parameters[i]);
        allreduce(gradients);
        norms.push_back(flatten(gradients).norm().item<double>());
      }
    double sum = 0;
    for (const double n : norms)
      sum += n;
    torch::NoGradGuard no_grad;
    const double       s = parameters.rebalance_smoothing;
    for (unsigned int i = 0; i < norms.size(); ++i)
      if (norms[i] > 0)
        weights[i] = s * weights[i].item<double>() + (1 - s) * sum / norms[i];
  }


  void
  Trainer::write_checkpoint(const unsigned int iteration) const
  {
    // Rank 0 writes; every rank learns whether that worked, so a failed
    // write (full disk, missing directory) stops all ranks with the message
    // instead of leaving the others waiting in the next reduction.
    std::string error;
    if (Utilities::MPI::this_mpi_process(comm) == 0)
      try
        {
          write_checkpoint_file(iteration);
        }
      catch (const std::exception &e)
        {
          error = e.what();
        }
    error = Utilities::MPI::broadcast(comm, error, 0);
    if (!error.empty())
      throw InputError(error);
  }


  void
  Trainer::write_checkpoint_file(const unsigned int iteration) const
  {
    torch::serialize::OutputArchive archive;
    archive.write("iteration",
                  torch::tensor(static_cast<std::int64_t>(iteration)));
    torch::serialize::OutputArchive model_archive, optimizer_archive;
    write_module(module, model_archive);
    archive.write("model", model_archive);
    // L-BFGS keeps a scratch vector 'al' of history-size tensors of which
    // only the first few are defined, and torch cannot serialize undefined
    // tensors. Every step fills it before reading it, so drop it.
    for (auto &state : optimizer->state())
      if (auto *lbfgs =
            dynamic_cast<torch::optim::LBFGSParamState *>(state.second.get()))
        lbfgs->al(c10::nullopt);
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    archive.write("weights", weights.detach());
    if (ascent_optimizer)
      {
        torch::serialize::OutputArchive ascent_archive;
        for (unsigned int i = 0; i < ascent_parameters.size(); ++i)
          ascent_archive.write("tensor_" + std::to_string(i),
                               ascent_parameters[i].detach());
        ascent_optimizer->save(ascent_archive);
        archive.write("ascent", ascent_archive);
      }
    {
      auto generator = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(generator.mutex());
      archive.write("rng_state", generator.get_state());
    }
    archive.write("history", c10::IValue(history));
    if (!checkpoint_state.empty())
      {
        torch::serialize::OutputArchive state_archive;
        for (unsigned int i = 0; i < checkpoint_state.size(); ++i)
          state_archive.write("tensor_" + std::to_string(i),
                              checkpoint_state[i].detach());
        archive.write("caller_state", state_archive);
      }

    save_archive_atomically(archive, parameters.checkpoint_file);
    write_history();
  }


  unsigned int
  Trainer::read_checkpoint()
  {
    const std::string &file    = parameters.checkpoint_file;
    auto               archive = open_archive(file, "checkpoint file");
    try
      {
        torch::Tensor iteration;
        archive.read("iteration", iteration);
        torch::serialize::InputArchive model_archive, optimizer_archive;
        archive.read("model", model_archive);
        read_module(module, model_archive, file);
        archive.read("optimizer", optimizer_archive);
        optimizer->load(optimizer_archive);
        torch::Tensor stored_weights;
        archive.read("weights", stored_weights);
        require(stored_weights.sizes() == weights.sizes(),
                "Training/Checkpoint file",
                "'" + file + "' has " + std::to_string(stored_weights.numel()) +
                  " loss weights, this problem has " +
                  std::to_string(weights.numel()) + " loss terms");
        {
          torch::NoGradGuard no_grad;
          weights.copy_(stored_weights);
        }
        if (ascent_optimizer)
          {
            torch::serialize::InputArchive ascent_archive;
            archive.read("ascent", ascent_archive);
            torch::NoGradGuard no_grad;
            for (unsigned int i = 0; i < ascent_parameters.size(); ++i)
              {
                torch::Tensor stored;
                ascent_archive.read("tensor_" + std::to_string(i), stored);
                ascent_parameters[i].copy_(stored);
              }
            ascent_optimizer->load(ascent_archive);
          }
        torch::Tensor state;
        archive.read("rng_state", state);
        auto generator = at::detail::getDefaultCPUGenerator();
        {
          std::lock_guard<std::mutex> lock(generator.mutex());
          generator.set_state(state);
        }
        c10::IValue stored_history;
        archive.read("history", stored_history);
        history = stored_history.toStringRef();
        if (!checkpoint_state.empty())
          {
            torch::serialize::InputArchive state_archive;
            archive.read("caller_state", state_archive);
            torch::NoGradGuard no_grad;
            for (unsigned int i = 0; i < checkpoint_state.size(); ++i)
              {
                torch::Tensor stored;
                state_archive.read("tensor_" + std::to_string(i), stored);
                // A tensor registered without elements is a container that
                // grows during the training (rows appended by resize_(),
                // e.g. a convergence history): it takes the stored shape.
                if (checkpoint_state[i].numel() == 0 &&
                    stored.dim() == checkpoint_state[i].dim())
                  checkpoint_state[i].resize_(stored.sizes());
                require(stored.sizes() == checkpoint_state[i].sizes(),
                        "Training/Checkpoint file",
                        "'" + file + "' was written for a different problem");
                checkpoint_state[i].copy_(stored);
              }
          }
        return iteration.item<std::int64_t>();
      }
    catch (const c10::Error &error)
      {
        throw InputError("checkpoint file '" + file +
                         "' does not match this training problem: " +
                         error.what_without_backtrace());
      }
  }


  void
  Trainer::swap_averaged_parameters()
  {
    torch::NoGradGuard no_grad;
    for (unsigned int i = 0; i < averaged_parameters.size(); ++i)
      {
        const torch::Tensor current = model_parameters[i].detach().clone();
        model_parameters[i].copy_(averaged_parameters[i]);
        averaged_parameters[i].copy_(current);
      }
  }


  void
  Trainer::write_history() const
  {
    if (!parameters.history_file.empty() &&
        Utilities::MPI::this_mpi_process(comm) == 0)
      write_file_atomically(parameters.history_file, history);
  }


  TrainingResult
  Trainer::train(const LossFunction       &loss_function,
                 const ConditionalOStream &out)
  {
    // SIGTERM/SIGINT are polled after each iteration (see interrupted()).
    const stop_request::PollingScope polling;
    if (!ascent_optimizer && !ascent_parameters.empty())
      ascent_optimizer = std::make_unique<torch::optim::Adam>(
        ascent_parameters,
        torch::optim::AdamOptions(parameters.weight_learning_rate));

    unsigned int start = 0;
    if (parameters.resume)
      start = read_checkpoint();
    else
      {
        history = "iteration,loss";
        for (const auto &name : term_names)
          history += ",loss_" + name;
        for (const auto &name : term_names)
          history += ",weight_" + name;
        history += ",learning_rate,validation_loss\n";
      }
    unsigned int last_checkpoint = start;

    // Stop with a message that says what is kept; the history up to the
    // last good iteration is written for the diagnosis.
    const auto diverged = [&](const std::string &what) {
      write_history();
      throw TrainingDiverged(
        "Training stopped: " + what + ". " +
        (last_checkpoint > 0 ?
           "The last good checkpoint '" + parameters.checkpoint_file +
             "' (iteration " + std::to_string(last_checkpoint) + ") is kept." :
           std::string("No checkpoint was written.")));
    };

    // SIGTERM/SIGINT: save the state after the finished iteration, so that
    // a resumed run continues exactly where this one stopped.
    const auto interrupted = [&](const unsigned int done, const int signal) {
      std::string kept = "no checkpoint was written (Checkpoint interval = 0)";
      if (parameters.checkpoint_interval > 0)
        {
          if (last_checkpoint != done)
            write_checkpoint(done);
          kept = "the checkpoint '" + parameters.checkpoint_file +
                 "' (iteration " + std::to_string(done) +
                 ") is written; set Resume = true to continue";
        }
      write_history();
      throw Interrupted("training stopped by " +
                          stop_request::signal_name(signal) +
                          " after iteration " + std::to_string(done) + "; " +
                          kept + ".",
                        signal);
    };

    const bool lbfgs = (parameters.optimizer == "lbfgs");
    // Counted from the start of this run, so that the time left after a
    // resume is estimated from this run's speed.
    Progress       progress(out,
                      start == 0 ?
                              std::string("iteration") :
                              "iteration (resumed at " + std::to_string(start) + ")",
                      parameters.iterations - start,
                      parameters.progress_interval);
    TrainingResult result;
    result.stop_reason     = "iteration limit";
    result.first_iteration = start;
    unsigned int it        = start;
    for (; it < parameters.iterations; ++it)
      {
        current_iteration = it;
        const double lr   = parameters.learning_rate_at(it);
        for (auto &group : optimizer->param_groups())
          group.options().set_lr(lr);
        if (parameters.loss_weighting == "gradient norm" &&
            it % parameters.rebalance_interval == 0)
          rebalance_weights(loss_function);

        // The terms and weights at the parameters before this step.
        const auto          weights_now = loss_weights();
        double              loss        = 0;
        std::vector<double> terms;
        if (lbfgs)
          {
            bool       first   = true;
            const auto closure = [&]() {
              auto total = evaluate_and_backpropagate(loss_function);
              if (first)
                terms = last_terms;
              first = false;
              return total;
            };
            loss = optimizer->step(closure).item<double>();
          }
        else
          {
            loss  = evaluate_and_backpropagate(loss_function).item<double>();
            terms = last_terms;
          }
        if (!std::isfinite(loss) || !all_finite(terms))
          diverged("the loss is " + scientific(loss) + " at iteration " +
                   std::to_string(it));

        result.loss          = loss;
        result.terms         = terms;
        const bool converged = (loss < parameters.tolerance);
        if (!converged && !lbfgs)
          {
            // Ascent: Adam on the negated gradients.
            for (auto &p : ascent_parameters)
              if (p.grad().defined())
                p.mutable_grad().neg_();
            if (ascent_optimizer)
              ascent_optimizer->step();
            optimizer->step();
          }
        if (!averaged_parameters.empty())
          {
            torch::NoGradGuard no_grad;
            // avg_t = avg_(t-1) + c (theta_t - avg_(t-1)) with
            // c = (1 - d) / (1 - d^(t - s)): c = 1 at t = s + 1, so a long
            // memory keeps neither the random initial network nor the
            // iterates before the start s in the average.
            const double d = parameters.averaging_decay;
            const double c =
              it < parameters.averaging_start ?
                1. :
                (1 - d) /
                  (1 - std::pow(d, it + 1. - parameters.averaging_start));
            for (unsigned int i = 0; i < averaged_parameters.size(); ++i)
              averaged_parameters[i].mul_(1 - c).add_(
                model_parameters[i].detach(),
                c);
          }
        if (!all_finite(model_parameters))
          diverged("the parameters became NaN or Inf in iteration " +
                   std::to_string(it));

        std::ostringstream row;
        row << it << ',' << scientific(loss, 16);
        for (const double t : terms)
          row << ',' << scientific(t, 16);
        for (const double w : weights_now)
          row << ',' << scientific(w, 16);
        row << ',' << scientific(lr, 16) << ',';
        if (validation && parameters.validation_interval > 0 &&
            (it + 1) % parameters.validation_interval == 0)
          {
            swap_averaged_parameters();
            result.validation_loss = validation();
            swap_averaged_parameters();
            row << scientific(result.validation_loss, 16);
          }
        history += row.str() + '\n';

        std::string details = "loss " + scientific(loss);
        for (unsigned int i = 0; i < terms.size(); ++i)
          details += "  " + term_names[i] + ' ' + scientific(terms[i]);
        details += "  lr " + scientific(lr, 2);
        if (result.validation_loss >= 0)
          details += "  validation " + scientific(result.validation_loss);
        progress.update(it + 1 - start, details);

        if (converged)
          {
            result.stop_reason = "tolerance";
            break;
          }
        if (parameters.checkpoint_interval > 0 &&
            (it + 1) % parameters.checkpoint_interval == 0)
          {
            write_checkpoint(it + 1);
            last_checkpoint = it + 1;
          }
        if (const int signal = stop_request::stop_requested(comm))
          interrupted(it + 1, signal);
      }
    result.iterations = it;
    // A run resumed at its last iteration trains nothing; it reports the
    // restored history's last row, as the uninterrupted run did (evaluating
    // the loss again would run the loss function's side effects twice).
    if (it == start && start > 0)
      {
        const std::vector<std::string> row = last_csv_row(history);
        AssertThrow(row.size() == 4 + 2 * term_names.size(),
                    ExcMessage("the checkpoint's history does not end with "
                               "a row of this trainer"));
        result.loss = std::stod(row[1]);
        for (unsigned int i = 0; i < term_names.size(); ++i)
          result.terms.push_back(std::stod(row[2 + i]));
        if (!row.back().empty())
          result.validation_loss = std::stod(row.back());
      }
    if (parameters.checkpoint_interval > 0 && last_checkpoint != it)
      write_checkpoint(it);
    write_history();
    // The trained network is the average; the checkpoint keeps both, so a
    // resumed run continues from the same state.
    if (!averaged_parameters.empty())
      {
        torch::NoGradGuard no_grad;
        for (unsigned int i = 0; i < averaged_parameters.size(); ++i)
          model_parameters[i].copy_(averaged_parameters[i]);
      }
    return result;
  }
} // namespace neuhom
