/**
 * The renderer's one door to the app: the contract (main/contract), whose typed client runs over the
 * desktop preload's IPC or the local server's WebSocket. A change of the contract breaks this build
 * instead of the user's window.
 */
export type {
  AppApi,
  AppEvents,
  CommandName,
  CommandRequest,
  CommandResponse,
  EventName,
  ImageInfo,
  ImageLevel,
  ImageRef,
  InputCheck,
  Job,
  JobObservation,
  JobRecipe,
  JobState,
  JournalRepair,
  ProductQa,
  ProductQaRow,
  QaMetric,
  QueueCounts,
  WatchFolderStatus,
} from '../../../main/contract/index.js';
