/** MITRE ATT&CK: the catalogue built from a STIX bundle, Sigma tag mapping, kill chains and coverage. */
export type {
  AttackCampaign,
  AttackCatalogue,
  AttackGroup,
  AttackSoftware,
  AttackTactic,
  AttackTechnique,
} from './catalogue.js';
export { AttackIndex, ENTERPRISE_TACTICS, catalogueSchema, tacticShortname } from './catalogue.js';
export type { BundleLoadResult, BundleLoadStats } from './load-bundle.js';
export { AttackBundleError, loadAttackBundle } from './load-bundle.js';
export type { OpenCatalogueOptions, OpenedCatalogue } from './catalogue-file.js';
export {
  CATALOGUE_FILE_NAME,
  CatalogueFileError,
  IMPORT_HINT,
  cataloguePath,
  defaultDataDir,
  openCatalogue,
  parseCatalogue,
  saveCatalogue,
} from './catalogue-file.js';
export type { AttackMapping, AttackTag, NamedRef, TacticRef, TechniqueRef } from './tags.js';
export {
  attackOfTags,
  labelTactic,
  labelTechnique,
  parseAttackTag,
  tacticRef,
  techniqueRef,
} from './tags.js';
export type { KillChain, KillChainMember, KillChainStage, KillChainTechnique } from './kill-chain.js';
export { killChain } from './kill-chain.js';
export type {
  CoverageReport,
  CoverageRule,
  CoverageRuleRef,
  NavigatorLayer,
  TacticCoverage,
  TechniqueCoverage,
  UncoveredTechnique,
} from './coverage.js';
export { computeCoverage, navigatorLayer } from './coverage.js';
