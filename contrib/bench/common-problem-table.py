"""Table and error-vs-cost plot of the common benchmark problem from the
summary.json and lod-sweep.csv files that contrib/bench/common-problem.sh
writes into OUT:

    common-problem-table.py OUT FIGURE.png
"""
import csv
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

out, figure = sys.argv[1], sys.argv[2]

NOT_RUN = [
    ("hybrid PINN (step-5)", "does not apply",
     "its fine problem has the right-hand side q + d/dx1 K_eps and a PINN "
     "residual with derivatives of K_eps: a checkerboard has jumps"),
    ("NH-PINN (step-6)", "does not apply",
     "homogenization by cell problems needs a periodic coefficient; a random "
     "checkerboard is not periodic"),
    ("Brownian walkers (step-7)", "does not apply",
     "the drift V = grad a / (2a) needs a differentiable coefficient"),
]


def summary(name):
    with open(f"{out}/{name}/summary.json") as f:
        return json.load(f)


def sweep(name):
    with open(f"{out}/{name}/lod-sweep.csv") as f:
        return list(csv.DictReader(f))


# problem, method, L2, energy, offline s, online s, memory, ranks. Elliptic:
# offline = the correctors, online = coarse assembly and solve (fine FEM:
# assembly and solve). Parabolic: the coefficient changes at every step, so
# the corrector updates are part of the time loop and everything is online.
rows = []
galerkin = summary("elliptic-galerkin")
m = galerkin["metrics"]
memory = galerkin["peak_memory_mib"]["max_per_rank"]
ranks = galerkin["mpi_ranks"]
rows.append(("elliptic", "fine FEM, h = 1/512 (reference)", 0, 0, None,
             m["fine_solve_seconds"], memory, ranks))
by_h = {}
for r in sweep("elliptic-galerkin"):
    by_h[r["coarse_cells"]] = r
for n, r in sorted(by_h.items(), key=lambda x: int(x[0])):
    rows.append(("elliptic", f"coarse Q1 FEM, H = 1/{n}",
                 float(r["coarse_fem_rel_l2_error_vs_fine"]),
                 float(r["coarse_fem_rel_energy_error_vs_fine"]), None, None,
                 None, ranks))
for name, label in (("elliptic-galerkin", "LOD Galerkin"),
                    ("elliptic-petrov-galerkin", "LOD Petrov-Galerkin")):
    s = summary(name)
    for r in sweep(name):
        rows.append(("elliptic", f"{label}, H = 1/{r['coarse_cells']}, "
                     f"l = {r['layers']}",
                     float(r["lod_rel_l2_error_vs_fine"]),
                     float(r["lod_rel_energy_error_vs_fine"]),
                     float(r["corrector_seconds"]),
                     float(r["coarse_solve_seconds"]),
                     s["peak_memory_mib"]["max_per_rank"], s["mpi_ranks"]))

# Operator compression: its blocks live on h = eps = 1/128 (step-4 takes the
# coefficient per fine cell), its reference is fine FEM on 1/512 like every
# row. The surrogate has no correctors: the L2 error is that of the coarse
# part u_H, next to the classical PG-LOD's coarse part of the same run.
compression = summary("elliptic-operator-compression")
m = compression["metrics"]
geometry = compression["parameters"]["Operator compression"]
H = int(geometry["Coarse cells per direction"])
fine = H * int(geometry["Fine cells per coarse cell"])
l = int(geometry["Oversampling layers"])
memory = compression["peak_memory_mib"]["max_per_rank"]
rows.append(("elliptic",
             f"operator compression (step-4), H = 1/{H}, l = {l}, blocks on "
             f"h = eps = 1/{fine}, trained on {int(m['training_pairs'])} "
             "blocks of U[1, 100] classes: coarse part u_H (no correctors)",
             m["solution_rel_l2_error_vs_fine_registered"], None,
             m["data_generation_seconds"] +
             compression["timings"]["training"],
             m["nn_assembly_seconds_registered"], memory,
             compression["mpi_ranks"]))
rows.append(("elliptic",
             f"PG-LOD with step-4's classical blocks, H = 1/{H}, l = {l}, "
             f"h = 1/{fine}: coarse part u_H",
             m["lod_solution_rel_l2_error_vs_fine_registered"], None,
             m["lod_assembly_seconds_registered"], None, memory,
             compression["mpi_ranks"]))

parabolic = summary("parabolic")
m = parabolic["metrics"]
p = parabolic["parameters"]
steps = round(float(p["Time stepping"]["Final time"]) /
              float(p["Time stepping"]["Time step"]))
lod = p["LOD"]
memory = parabolic["peak_memory_mib"]["max_per_rank"]
rows.append(("parabolic", f"fine FEM, {steps} steps (reference)", 0, 0, None,
             m["fine_seconds_per_step"] * steps, memory, ranks))
for suffix, label in (("_full_update", "every corrector at every step"),
                      ("", "correctors whose patch changed by > "
                       f"{float(lod['Corrector update tolerance']):g}")):
    rows.append(("parabolic",
                 f"LOD Galerkin, H = 1/{lod['Coarse cells per direction']}, "
                 f"l = {lod['Oversampling layers']}: {label} "
                 f"({int(m['n_patches_recomputed' + suffix])} patch solves)",
                 m["lod_rel_l2_error_vs_fine_at_T" + suffix],
                 m["lod_rel_energy_error_vs_fine_at_T" + suffix],
                 None, m["lod_total_seconds" + suffix], memory, ranks))

# Deep Ritz LOD: the networks replace the patch solves of the same parabolic
# LOD (only patches whose coefficient changed are updated), on h = eps =
# 1/128 like operator compression; classical LOD on that h runs in the same
# program. Offline = training data and training; online = the time loop.
ritz = summary("parabolic-deep-ritz")
m = ritz["metrics"]
p = ritz["parameters"]["Problem"]
H, r, l = (int(p["Coarse cells per direction"]), int(p["Refinement"]),
           int(p["Oversampling layers"]))
times = ritz["parameters"]["Registered coefficient"]["Training times"]
memory = ritz["peak_memory_mib"]["max_per_rank"]
rows.append(("parabolic",
             f"Deep Ritz LOD (step-3), H = 1/{H}, l = {l}, h = 1/{H * r}, "
             f"trained at {len(times.split(','))} times "
             f"({int(m['n_training_pairs'])} distinct patches): networks "
             f"instead of the {int(m['n_patches_recomputed'])} patch solves",
             m["solution_rel_l2_error_vs_fine_at_T"],
             m["solution_rel_energy_error_vs_fine_at_T"],
             m["training_seconds"], m["total_seconds"], memory,
             ritz["mpi_ranks"]))
rows.append(("parabolic",
             f"classical LOD on step-3's h = 1/{H * r} (Galerkin, H = 1/{H}, "
             f"l = {l}): the same update rule with patch solves",
             m["lod_solution_rel_l2_error_vs_fine_at_T"],
             m["lod_solution_rel_energy_error_vs_fine_at_T"], None,
             m["lod_total_seconds"], memory, ritz["mpi_ranks"]))


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


print("| problem | method | rel. L2 error vs fine | rel. energy error vs fine "
      "| offline s | online s | peak memory MiB per rank (whole run) "
      "| MPI ranks |")
print("|---|---|---|---|---|---|---|---|")
for problem, method, l2, energy, offline, online, memory, n in rows:
    print(f"| {problem} | {method} | {fmt(l2, '.3g')} | {fmt(energy, '.3g')} "
          f"| {fmt(offline, '.3g')} | {fmt(online, '.3g')} "
          f"| {fmt(memory, '.0f')} | {n} |")
for method, status, reason in NOT_RUN:
    print(f"| both | {method} | {status}: {reason} | | | | | |")

# Error against cost (offline + online seconds); the fine FEM reference is
# the vertical line of its cost, coarse FEM the dotted error levels.
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
for ax, problem in zip(axes, ("elliptic", "parabolic")):
    reference = [r for r in rows if r[0] == problem and r[2] == 0][0]
    ax.axvline(reference[5], color="k", ls="--", label="fine FEM (reference)")
    # Coarse FEM costs next to nothing (not timed): its error levels.
    coarse = [r for r in rows
              if r[0] == problem and r[1].startswith("coarse Q1 FEM")]
    for i, r in enumerate(coarse):
        ax.axhline(r[3], color="gray", ls=":", lw=1,
                   label="coarse Q1 FEM, H = 1/8 ... 1/32" if i == 0 else None)
    for family, marker, legend in (
            ("LOD Galerkin", "o", "LOD Galerkin"),
            ("LOD Petrov-Galerkin", "^", "LOD Petrov-Galerkin"),
            ("Deep Ritz LOD", "s", "Deep Ritz LOD (step-3), h = 1/128"),
            ("classical LOD on step-3's", "x", "classical LOD, h = 1/128")):
        points = [r for r in rows if r[0] == problem and r[1].startswith(family)]
        if not points:
            continue
        cost = [(r[4] or 0) + (r[5] or 0) for r in points]
        ax.loglog(cost, [r[3] for r in points], marker, label=legend)
        if family == "LOD Galerkin":
            for k, (r, x) in enumerate(zip(points, cost)):
                label = r[1].split(", ", 1)[1]
                label = (label.split(": ")[1].split(" (")[0] if ": " in label
                         else label)
                # Parabolic: the two update rules have the same error,
                # one label above, one below.
                below = problem == "parabolic" and k % 2 == 1
                ax.annotate(label, (x, r[3]),
                            fontsize=6, xytext=(4, -8 if below else 2),
                            textcoords="offset points")
    ax.set_title(f"{problem} benchmark (eps = 1/128, contrast 1:100)")
    ax.set_xlabel("seconds (offline + online), " + str(ranks) + " MPI ranks")
    ax.set_ylabel("relative energy error vs fine FEM")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
fig.tight_layout()
fig.savefig(figure, dpi=120)
print(f"\n(figure: {figure})")
