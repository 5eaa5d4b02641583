/**
 * The hunting set-up the browser test gives `buildServer`, as `ballotguard serve` builds it
 * (src/cli/serve.ts, which keeps it inline): the rules in `paths` loaded the way `ballotguard hunt` loads
 * them (`prepareRules`: default mapping, parsed-rule cache off so the test never
 * writes outside its temp dir), a `HuntSetup` that hands them to each uploaded hunt, and the
 * `RuleCatalogue` behind /rules and the ATT&CK heatmap.
 */
import { prepareRules } from '../../src/cli/common.js';
import type { HuntSetup } from '../../src/server/hunt-service.js';
import { RuleCatalogue } from '../../src/server/attack-views.js';
import { compileRules } from '../../src/sigma/compile/compile-rules.js';

export async function dashboardHunting(
  paths: readonly string[],
): Promise<{ hunting: HuntSetup; rules: RuleCatalogue }> {
  const issues: string[] = [];
  const load = () =>
    prepareRules({ rules: paths, builtin: false, cache: false }, (issue) => issues.push(issue.message));
  const prepared = await load();
  const compiled = compileRules(prepared.loaded.sources, {
    mapping: prepared.mapping,
    placeholders: prepared.placeholders,
    retainDocuments: false,
  });
  if (compiled.rules.length === 0)
    throw new Error(`no rule compiled from ${paths.join(', ')}: ${issues.join('; ')}`);
  const hunting: HuntSetup = {
    ruleSources: paths,
    prepare: async () => {
      const rules = await load();
      return {
        detector: {
          sources: rules.loaded.sources,
          mapping: rules.mapping,
          placeholders: [...rules.placeholders],
          minLevel: 'informational',
        },
        ruleSources: paths,
        parseFailures: rules.loaded.issues.filter((issue) => issue.severity === 'error').length,
      };
    },
  };
  return { hunting, rules: new RuleCatalogue(compiled.rules, paths) };
}
