/** Windows itself and the services every host runs. */
import type { ProcessProfile } from './catalog.js';
import { DEFENDER, SVCHOST_GROUPS, WINDOWS_DOMAINS, dlls, n, pe, web } from './catalog.js';
import { DNS_DOMAIN } from './estate.js';

export const WINDOWS_PROCESSES: readonly ProcessProfile[] = [
  {
    key: 'smss',
    image: 'C:\\Windows\\System32\\smss.exe',
    pe: pe('smss.exe', 'Windows Session Manager'),
    roles: 'any',
    weight: 0.2,
    runAs: 'system',
    integrity: 'System',
    parent: 'smss',
    cmd: (c) => `\\SystemRoot\\System32\\smss.exe 000000${c.rng.hex(2)} 000000${c.rng.hex(2)}`,
  },
  {
    key: 'wininit',
    image: 'C:\\Windows\\System32\\wininit.exe',
    pe: pe('wininit.exe', 'Windows Start-Up Application'),
    roles: 'any',
    weight: 0.1,
    runAs: 'system',
    integrity: 'System',
    parent: 'smss',
    cmd: () => 'wininit.exe',
  },
  {
    key: 'winlogon',
    image: 'C:\\Windows\\System32\\winlogon.exe',
    pe: pe('WINLOGON.EXE', 'Windows Logon Application'),
    roles: 'any',
    weight: 0.3,
    runAs: 'system',
    integrity: 'System',
    parent: 'smss',
    cmd: () => 'winlogon.exe',
  },
  {
    key: 'services',
    image: 'C:\\Windows\\System32\\services.exe',
    pe: pe('services.exe', 'Services and Controller app'),
    roles: 'any',
    weight: 0.1,
    runAs: 'system',
    integrity: 'System',
    parent: 'wininit',
    cmd: () => 'C:\\Windows\\system32\\services.exe',
  },
  {
    key: 'svchost',
    image: 'C:\\Windows\\System32\\svchost.exe',
    pe: pe('svchost.exe', 'Host Process for Windows Services'),
    roles: 'any',
    weight: 14,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: (c) => {
      const [group, names] = c.rng.pick(SVCHOST_GROUPS);
      return c.rng.chance(0.85)
        ? `C:\\Windows\\system32\\svchost.exe -k ${group} -p -s ${c.rng.pick(names)}`
        : `C:\\Windows\\system32\\svchost.exe -k ${group} -p`;
    },
    dlls: dlls([
      'C:\\Windows\\System32\\schedsvc.dll',
      'C:\\Windows\\System32\\wuaueng.dll',
      'C:\\Windows\\System32\\gpsvc.dll',
      'C:\\Windows\\System32\\dnsrslvr.dll',
      'C:\\Windows\\System32\\wbem\\WMIsvc.dll',
    ]),
    connects: (c) =>
      c.rng.chance(0.5)
        ? [
            c.estate.servers[c.rng.int(2)]?.ip ?? '10.10.1.11',
            `EC-DC0${1 + c.rng.int(2)}.${DNS_DOMAIN}`,
            c.rng.pick([53, 88, 135, 389, 445]),
          ]
        : web(c),
    resolves: WINDOWS_DOMAINS,
    writes: (c) =>
      c.rng.pick([
        `C:\\Windows\\Prefetch\\${c.rng.pick(['SVCHOST.EXE', 'MSEDGE.EXE', 'WINWORD.EXE', 'CONHOST.EXE', 'TASKHOSTW.EXE'])}-${c.rng.hex(8).toUpperCase()}.pf`,
        `C:\\Windows\\System32\\Tasks\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan Static Task`,
        `C:\\Windows\\SoftwareDistribution\\Download\\${c.rng.hex(32)}`,
        `C:\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Local\\Microsoft\\Windows\\DeliveryOptimization\\Cache\\${c.rng.hex(40)}\\${c.rng.hex(8)}.dat`,
        `C:\\Windows\\Logs\\waasmedic\\waasmedic.${c.day.replaceAll('-', '')}_${c.rng.hex(6)}_${c.rng.hex(3)}.Completed.etl`,
      ]),
  },
  {
    key: 'lsass',
    image: 'C:\\Windows\\System32\\lsass.exe',
    pe: pe('lsass.exe', 'Local Security Authority Process'),
    roles: 'any',
    weight: 0.1,
    runAs: 'system',
    integrity: 'System',
    parent: 'wininit',
    cmd: () => 'C:\\Windows\\system32\\lsass.exe',
    connects: (c) => [
      c.estate.servers[c.rng.int(2)]?.ip ?? '10.10.1.11',
      `EC-DC0${1 + c.rng.int(2)}.${DNS_DOMAIN}`,
      c.rng.pick([88, 389, 636]),
    ],
  },
  {
    key: 'conhost',
    image: 'C:\\Windows\\System32\\conhost.exe',
    pe: pe('CONHOST.EXE', 'Console Window Host'),
    roles: 'any',
    weight: 3,
    runAs: 'user',
    integrity: 'Medium',
    parent: 'cmd',
    cmd: (c) =>
      c.rng.chance(0.7)
        ? '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'
        : 'C:\\Windows\\system32\\conhost.exe',
  },
  {
    key: 'taskhostw',
    image: 'C:\\Windows\\System32\\taskhostw.exe',
    pe: pe('taskhostw.exe', 'Host Process for Windows Tasks'),
    roles: 'any',
    weight: 3,
    runAs: 'user',
    integrity: 'Medium',
    parent: 'svchost',
    cmd: (c) =>
      `taskhostw.exe ${c.rng.pick(['', 'Install $(Arg0)', 'SYSTEM', 'USER', 'KEYROAMING', '-RegisterDevice -ProtectionStateChanged -FreeNetworkOnly'])}`.trimEnd(),
  },
  {
    key: 'wmiprvse',
    image: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
    pe: pe('Wmiprvse.exe', 'WMI Provider Host'),
    roles: 'any',
    weight: 2.5,
    runAs: 'network',
    integrity: 'System',
    parent: 'svchost',
    cmd: (c) =>
      c.rng.pick([
        'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
        'C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding',
      ]),
    dlls: dlls([
      'C:\\Windows\\System32\\wbem\\wbemprox.dll',
      'C:\\Windows\\System32\\wbem\\wbemsvc.dll',
      'C:\\Windows\\System32\\wbem\\fastprox.dll',
      'C:\\Windows\\System32\\wbem\\cimwin32.dll',
    ]),
  },
  {
    key: 'msmpeng',
    image: `${DEFENDER}\\MsMpEng.exe`,
    pe: pe(
      'MsMpEng.exe',
      'Antimalware Service Executable',
      '4.18.24090.11 (WinBuild.160101.0800)',
      'Microsoft® Windows® Operating System',
    ),
    roles: 'any',
    weight: 0.3,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: () => `"${DEFENDER}\\MsMpEng.exe"`,
    dlls: dlls([
      `${DEFENDER}\\mpengine.dll`,
      `${DEFENDER}\\MpSvc.dll`,
      `${DEFENDER}\\MpClient.dll`,
      `${DEFENDER}\\MpRtp.dll`,
    ]),
    connects: web,
    resolves: [
      'wdcp.microsoft.com',
      'wdcpalt.microsoft.com',
      'definitionupdates.microsoft.com',
      'go.microsoft.com',
    ],
    writes: (c) =>
      `C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\${c.rng.hex(2)}\\${c.rng.guid()}`,
  },
  {
    key: 'mpcmdrun',
    image: `${DEFENDER}\\MpCmdRun.exe`,
    pe: pe(
      'MpCmdRun.exe',
      'Microsoft Malware Protection Command Line Utility',
      '4.18.24090.11 (WinBuild.160101.0800)',
    ),
    roles: 'any',
    weight: 0.8,
    runAs: 'system',
    integrity: 'System',
    parent: 'svchost',
    cmd: (c) =>
      `"${DEFENDER}\\MpCmdRun.exe" ${c.rng.pick(['-wdenable', 'SignatureUpdate -ScheduleJob -RestrictPrivileges -DailyReport', '-IdleTask -TaskName WdCacheMaintenance', '-IdleTask -TaskName WdCleanup', '-IdleTask -TaskName WdVerification'])}`,
  },
  {
    key: 'tiworker',
    image:
      'C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.20348.2700_none_3f6b3a3a1f1f4b7b\\TiWorker.exe',
    pe: pe('TiWorker.exe', 'Windows Modules Installer Worker', '10.0.20348.2700 (WinBuild.160101.0800)'),
    roles: 'any',
    weight: 0.6,
    runAs: 'system',
    integrity: 'System',
    parent: 'svchost',
    cmd: () =>
      'C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.20348.2700_none_3f6b3a3a1f1f4b7b\\TiWorker.exe -Embedding',
  },
  {
    key: 'mousocoreworker',
    image: 'C:\\Windows\\System32\\MoUsoCoreWorker.exe',
    pe: pe('MoUsoCoreWorker.exe', 'MoUSO Core Worker Process'),
    roles: 'any',
    weight: 0.8,
    runAs: 'system',
    integrity: 'System',
    parent: 'svchost',
    cmd: () => 'C:\\Windows\\System32\\mousocoreworker.exe -Embedding',
    resolves: WINDOWS_DOMAINS,
  },
  {
    key: 'searchindexer',
    image: 'C:\\Windows\\System32\\SearchIndexer.exe',
    pe: pe('SearchIndexer.exe', 'Microsoft Windows Search Indexer'),
    roles: ['workstation', 'file'],
    weight: 0.2,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: () => 'C:\\Windows\\system32\\SearchIndexer.exe /Embedding',
    writes: (c) =>
      `C:\\ProgramData\\Microsoft\\Search\\Data\\Applications\\Windows\\GatherLogs\\SystemIndex\\SystemIndex.${n(c, 1, 900)}.Crwl`,
  },
  {
    key: 'searchprotocolhost',
    image: 'C:\\Windows\\System32\\SearchProtocolHost.exe',
    pe: pe('SearchProtocolHost.exe', 'Microsoft Windows Search Protocol Host'),
    roles: ['workstation', 'file'],
    weight: 2,
    runAs: 'system',
    integrity: 'System',
    parent: 'searchindexer',
    cmd: (c) => {
      const k = n(c, 1, 80);
      return `"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe${k}_ Global\\UsGthrCtrlFltPipeMssGthrPipe${k} 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon" `;
    },
  },
  {
    key: 'dllhost',
    image: 'C:\\Windows\\System32\\dllhost.exe',
    pe: pe('dllhost.exe', 'COM Surrogate'),
    roles: 'any',
    weight: 2,
    runAs: 'user',
    integrity: 'Medium',
    parent: 'svchost',
    cmd: (c) =>
      `C:\\Windows\\system32\\DllHost.exe /Processid:{${c.rng.pick(['3EB3C877-1F16-487C-9050-104DBCD66683', 'AB8902B4-09CA-4BB6-B78D-A8F59079A8D5', '973D20D7-562D-44B9-B70B-5A0F49CCDF3F', '76D0CB12-7604-4048-B83C-1005C7DDC503'])}}`,
  },
  {
    key: 'compattelrunner',
    image: 'C:\\Windows\\System32\\CompatTelRunner.exe',
    pe: pe('CompatTelRunner.exe', 'Microsoft Compatibility Telemetry'),
    roles: 'any',
    weight: 0.4,
    runAs: 'system',
    integrity: 'System',
    parent: 'svchost',
    cmd: (c) =>
      `C:\\Windows\\system32\\compattelrunner.exe ${c.rng.pick(['-m:appraiser.dll -f:DoScheduledTelemetryRun', '-m:invagent.dll -f:RunUpdate', '-m:aeinv.dll -f:UpdateSoftwareInventoryW invsvc', '-maintenance'])}`,
    resolves: ['v10.events.data.microsoft.com', 'settings-win.data.microsoft.com'],
  },
  {
    key: 'gpupdate',
    image: 'C:\\Windows\\System32\\gpupdate.exe',
    pe: pe('GPUpdate.exe', 'Microsoft® Windows Group Policy Update Utility'),
    roles: 'any',
    weight: 0.2,
    runAs: 'system',
    integrity: 'System',
    parent: 'svchost',
    cmd: (c) => `gpupdate.exe /target:${c.rng.pick(['computer', 'user'])}`,
  },
];
