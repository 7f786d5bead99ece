export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `AIA Studio — SDO/AIA level 1 → level 1.5 and 1.6, fast.

Usage:
  aia-studio process --level 1.5|1.6|1.5,1.6 --out DIR [options] FILES_OR_DIRS…
  aia-studio watch --level 1.5|1.6|1.5,1.6 --out DIR [options] [--data-dir DIR] [--keep-finished N] [--retry-failed] FOLDERS…
  aia-studio serve [--port N] [--data-dir DIR] [--threads N] [--backend auto|cpu|gpu] [--in-flight N] [--token-file FILE]
  aia-studio worker --cluster redis://HOST:PORT [--backend auto|cpu|gpu] [--in-flight N] [--threads N] [--path-map FROM=TO]…
  aia-studio slurm-script --shards N --script FILE --level … --out DIR [options] FILES_OR_DIRS…
  aia-studio psf --channel 94|131|171|193|211|304|335 --out FILE
  aia-studio qa [--csv FILE] [--recursive] PRODUCTS_OR_DIRS…
  aia-studio info FILE
  aia-studio --version | --help

process options:
  --level LEVELS                 1.5 (registered), 1.6 (deconvolved, then registered), or both from one read
  --out DIR                      output folder (created if missing); writes DIR/<name>_lev<level>.fits
  --compat aiapy                 reproduce aiapy's register exactly (4094² for some channels)
  --interp NAME                  spline3 (default) | cubic-conv | linear | nearest
  --pointing-table FILE          master pointing table CSV (LMSAL mirror format) for update_pointing
  --normalize-exposure           divide by EXPTIME (DN/s)
  --format NAME                  float32 (default) | float64 | rice
  --missing VALUE                value for pixels without data (default NaN; data minimum with --compat)
  --threads N                    cores to use, this thread included (default: all)
  --backend auto|cpu|gpu         compute backend: auto = the GPU with a hardware adapter, else the CPU
  --in-flight N                  images computing at once per backend (default 2 on a GPU, 1 on the CPU)
  --recursive                    look for FITS files in sub-folders of the folders given
  --iterations N                 Richardson–Lucy iterations for level 1.6 (default 25)
  --rl-precision f32|f64         Richardson–Lucy arithmetic (default f32, within 5e-7 of float64)
  --cache-dir DIR                where computed PSFs are kept (default: the user cache folder)
  --cluster redis://HOST:PORT    submit the files to a cluster's workers and wait (also for watch, serve)
  --shard K/N                    process only the K-th of N parts of the sorted files (Slurm arrays)
  --from-list FILE               the files to process, one path a line

watch: processes the FITS files in the folders and each one that arrives (once complete), with the
process options, until Ctrl-C; the job journal in the data folder (default: the user data folder, or
AIA_STUDIO_DATA) lets a restart carry on without doing a file twice. It keeps the last N finished jobs
(--keep-finished, default 1000); older ones leave the journal, their products stay and still count
as done. A file that failed before (a bad file, or one the app stopped on three times) is listed at
start and not tried again unless --retry-failed is given.

An output file belongs to the input that made it: a second input of the same name from another
folder, or an existing product of another observation, is never overwritten: that file fails and
says which file it collides with.

qa: the quality metrics and flags of level 1.5/1.6 products (missing data, saturation, exposure vs
the channel's nominal, QUALITY bits in words, pointing and solar radius, limb position, sharpness),
one row per product; the flags column is empty when a product is clean. --csv FILE also writes every
metric as CSV. Flagged products do not change the exit status; a file that cannot be read gets a row
saying why and exit status 1. Thresholds: docs/qa.md.

cluster mode (docs/scaling.md): workers on any number of hosts run the jobs queued in Redis; the
files and output folders are on a shared file system, by absolute path (--path-map FROM=TO on a
host that mounts them elsewhere). A job's id is its file (path, size, mtime) and recipe: a batch
submitted twice makes nothing new. A worker stops on Ctrl-C after the jobs it runs; a worker killed
loses its job to another once its lock expires (--lock-ms, default 30000). Redis needs
maxmemory-policy noeviction (refused otherwise) and should have appendonly yes.

slurm-script: writes FILE, an sbatch --array script of N tasks, each running process --shard K/N on
the batch (listed in FILE.inputs); run it again with the same options after a failure: it writes an
array of only the shards whose products are missing.

serve: the app's API and window on http://127.0.0.1 (random port unless --port), with a random
token; prints one line, the address to open. --backend is the backend of requests that name none.
--token-file FILE keeps the token across starts (bookmarks survive): FILE's token if it exists (it
must be yours and mode 600), else a new one written to it with mode 600.

Exit status: 0 when every file succeeded, 1 when any failed, 2 for a usage error.`;
