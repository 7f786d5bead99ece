export {
  deconvolveRichardsonLucy,
  OpticalTransfer,
  type OpticalTransferOptions,
  type RichardsonLucyOptions,
  richardsonLucyImage,
  startEstimate,
  type ImageHoles,
} from './richardsonLucy.js';
