export {
  deconvolveRichardsonLucy,
  OpticalTransfer,
  type OpticalTransferOptions,
  type RichardsonLucyOptions,
  richardsonLucyImage,
  startEstimate,
} from './richardsonLucy.js';
