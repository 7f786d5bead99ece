/**
 * The benchmark history's record format, shared by the bench (which writes it) and the app (whose
 * Performance view draws it). Types only.
 */

/** One measured figure, with what it is compared against (the record format: docs/benchmarks.md). */
export interface BenchRow {
  bench: string;
  case: string;
  /** The compute backend that ran it ("cpu" now; a GPU backend adds its own rows). */
  backend: string;
  metric: string;
  /** share: a ratio of two times of the same run. */
  unit: 's' | 'MB' | 'share';
  /** The median of the repeated runs (the maximum for peak memory). */
  ours: number;
  /** For the breakdown rows of a file-to-file run: the stage (the job's StageClock name). */
  stage?: string;
  /** For a stage: the median CPU seconds of the whole process (all threads). */
  cpu?: number;
  /** For a stage: CPU far below wall time in most runs, so the stage mostly waited. */
  waiting?: boolean;
  /** The oracle (numpy/scipy statement of aiapy) timed in the same run, when it ran. */
  oracle?: number;
  /** aiapy's published figure on this machine kind (aiapyReference.ts). */
  aiapy?: number;
  /** The target; lower is better for every metric here. */
  target?: number;
  /** The fastest CPU library a user could use instead, timed in the same run (bench/peers.ts). */
  peer?: PeerFigure;
  /** The target for ours / peer.seconds. */
  peerRatioTarget?: number;
}

/** A peer library's figure for the same work, timed in the same run. */
export interface PeerFigure {
  name: string;
  seconds: number;
}

/** A case that could not be measured, e.g. the engine crashed in its process. */
export interface BenchFailure {
  bench: string;
  case: string;
  backend: string;
  error: string;
}

/** The machine a record was measured on; `key` groups records whose timings can be compared. */
export interface MachineInfo {
  key: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  arch: string;
  /** "name, memory" per GPU nvidia-smi lists; empty without one. */
  gpus: string[];
  /** 1-minute load average when the run started and ended: above the core count, others were running too. */
  loadAverage: { start: number; end: number };
}

/**
 * One line of bench/history.jsonl: one `npm run bench` (format: docs/benchmarks.md), as the app shows
 * it; the bench's own HistoryRecord adds the paths of the machine's profiles.
 */
export interface BenchRecord {
  schema: 1;
  date: string;
  durationS: number;
  commit: string;
  /** Tracked files differed from the commit: the figures belong to uncommitted code. */
  dirty: boolean;
  versions: Record<string, string>;
  machine: MachineInfo;
  /** As asked; `peers` and `smoke` are absent in the records made before they existed. */
  options: {
    benchmarks: string[];
    repeat: number;
    oracle: boolean;
    peers?: boolean;
    backends: string[];
    profile: boolean;
    smoke?: boolean;
  };
  /** The adapter the gpu pass ran on (its rows say `gpu-software` when it was a CPU emulation). */
  gpuAdapter?: { mode: string; description: string; software: boolean };
  /** The dataset files used, with the sha256 verified before timing. */
  inputs: { path: string; sha256: string; bytes: number }[];
  rows: BenchRow[];
  /** Cases that could not be measured (their process failed); bench:check fails on any. Absent in the first records. */
  failures?: BenchFailure[];
}
