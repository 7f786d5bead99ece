export {
  deconvolveRichardsonLucy,
  OpticalTransfer,
  type OpticalTransferOptions,
  type RichardsonLucyOptions,
  startEstimate,
} from './richardsonLucy.js';
