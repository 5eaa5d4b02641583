/** Domain controllers, Exchange, the register SQL server and web front end, file and backup servers. */
import type { ProcessProfile } from './catalog.js';
import {
  DEPARTMENTS,
  EXCHANGE_BIN,
  IIS_DLLS,
  SQL_BINN,
  SQL_DLLS,
  dlls,
  docName,
  internal,
  n,
  pe,
} from './catalog.js';
import { DNS_DOMAIN } from './estate.js';

export const SERVER_PROCESSES: readonly ProcessProfile[] = [
  {
    key: 'mmc',
    image: 'C:\\Windows\\System32\\mmc.exe',
    pe: pe('MMC.EXE', 'Microsoft Management Console'),
    roles: ['dc', 'file', 'sql', 'web', 'exchange'],
    weight: 0.3,
    runAs: 'user',
    integrity: 'High',
    parent: 'explorer',
    cmd: (c) =>
      `"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\${c.rng.pick(['dsa.msc', 'gpmc.msc', 'dnsmgmt.msc', 'eventvwr.msc', 'compmgmt.msc', 'services.msc'])}" `,
  },
  {
    key: 'dns',
    image: 'C:\\Windows\\System32\\dns.exe',
    pe: pe('dns.exe', 'Domain Name System (DNS) Server'),
    roles: ['dc'],
    weight: 0.2,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: () => 'C:\\Windows\\system32\\dns.exe',
    connects: (c) => [c.rng.pick(['8.8.8.8', '1.1.1.1', '9.9.9.9']), '-', 53],
  },
  {
    key: 'dfsrs',
    image: 'C:\\Windows\\System32\\dfsrs.exe',
    pe: pe('DFSRS.EXE', 'Distributed File System Replication'),
    roles: ['dc'],
    weight: 0.2,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: () => 'C:\\Windows\\system32\\DFSRs.exe',
    writes: (c) => `C:\\Windows\\SYSVOL\\domain\\Policies\\{${c.rng.guid()}}\\Machine\\Registry.pol`,
  },
  {
    key: 'ismserv',
    image: 'C:\\Windows\\System32\\ismserv.exe',
    pe: pe('ismserv.exe', 'Windows NT Intersite Messaging Service'),
    roles: ['dc'],
    weight: 0.1,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: () => 'C:\\Windows\\System32\\ismserv.exe',
  },
  {
    key: 'sqlservr',
    image: `${SQL_BINN}\\sqlservr.exe`,
    pe: pe(
      'SQLSERVR.EXE',
      'SQL Server Windows NT - 64 Bit',
      '2022.0160.4145.04 ((SQL22_RTM_QFE-CU).240924-1805)',
      'Microsoft SQL Server',
    ),
    roles: ['sql'],
    weight: 0.3,
    runAs: 'sql',
    integrity: 'High',
    parent: 'services',
    cmd: () => `"${SQL_BINN}\\sqlservr.exe" -sMSSQLSERVER`,
    dlls: dlls(SQL_DLLS),
    writes: (c) =>
      c.rng.pick([
        `D:\\SQLBackup\\ElectoralRoll\\ElectoralRoll_LOG_${c.day.replaceAll('-', '')}_${String(n(c, 0, 23)).padStart(2, '0')}0000.trn`,
        `${SQL_BINN}\\..\\Log\\log_${n(c, 1, 400)}.trc`,
        'D:\\SQLData\\tempdb.mdf',
      ]),
  },
  {
    key: 'sqlagent',
    image: `${SQL_BINN}\\SQLAGENT.EXE`,
    pe: pe(
      'SQLAGENT.EXE',
      'SQLAGENT - SQL Server Agent',
      '2022.0160.4145.04 ((SQL22_RTM_QFE-CU).240924-1805)',
      'Microsoft SQL Server',
    ),
    roles: ['sql'],
    weight: 0.3,
    runAs: 'sql',
    integrity: 'High',
    parent: 'services',
    cmd: () => `"${SQL_BINN}\\SQLAGENT.EXE" -i MSSQLSERVER`,
  },
  {
    key: 'sqlcmd',
    image: 'C:\\Program Files\\Microsoft SQL Server\\Client SDK\\ODBC\\170\\Tools\\Binn\\SQLCMD.EXE',
    pe: pe('SQLCMD.EXE', 'T-SQL execution command line utility', '2019.0170.1000.07', 'Microsoft SQL Server'),
    roles: ['sql'],
    weight: 2,
    runAs: 'sql',
    integrity: 'High',
    parent: 'sqlagent',
    cmd: (c) =>
      `SQLCMD.EXE -S EC-REG-SQL01 -E -d ElectoralRoll -Q "EXEC dbo.${c.rng.pick(['usp_RefreshPollingDistricts', 'usp_ApplyCanvassReturns', 'usp_ExpireAbsentVotes', 'usp_RebuildWardStatistics'])} @Ward = ${n(c, 1, 40)}" -b`,
  },
  {
    key: 'sqlceip',
    image: `${SQL_BINN}\\sqlceip.exe`,
    pe: pe('sqlceip.exe', 'SQL Server CEIP service', '2022.0160.4145.04', 'Microsoft SQL Server'),
    roles: ['sql'],
    weight: 0.2,
    runAs: 'local',
    integrity: 'System',
    parent: 'services',
    cmd: () => `"${SQL_BINN}\\sqlceip.exe" -Service MSSQLSERVER`,
    resolves: ['vortex.data.microsoft.com'],
  },
  {
    key: 'w3wp',
    image: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
    pe: pe(
      'w3wp.exe',
      'IIS Worker Process',
      '10.0.20348.1 (WinBuild.160101.0800)',
      'Internet Information Services',
    ),
    roles: ['web', 'exchange'],
    weight: 3,
    runAs: 'register',
    integrity: 'High',
    parent: 'svchost',
    cmd: (c) => {
      const pool =
        c.host.role === 'exchange'
          ? c.rng.pick([
              'MSExchangeOWAAppPool',
              'MSExchangeECPAppPool',
              'MSExchangeSyncAppPool',
              'MSExchangeRpcProxyAppPool',
              'MSExchangeAutodiscoverAppPool',
            ])
          : c.host.name === 'EC-WEB01'
            ? 'ResultsSite'
            : 'RegisterApp';
      return `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${pool}" -v "v4.0" -l "webengine4.dll" -a \\\\.\\pipe\\iisipm${c.rng.guid().toLowerCase()} -h "C:\\inetpub\\temp\\apppools\\${pool}\\${pool}.config" -w "" -m 0 -t 20 -ta 0`;
    },
    dlls: dlls(IIS_DLLS),
    connects: (c) =>
      c.host.role === 'exchange'
        ? internal('EC-DC01', '10.10.1.11', 389)()
        : internal('EC-REG-SQL01', '10.10.1.14', 1433)(),
    resolves: [`EC-REG-SQL01.${DNS_DOMAIN}`, `EC-DC01.${DNS_DOMAIN}`],
    writes: (c) =>
      `C:\\inetpub\\logs\\LogFiles\\W3SVC${n(c, 1, 3)}\\u_ex${c.day.slice(2).replaceAll('-', '')}${String(n(c, 0, 23)).padStart(2, '0')}.log`,
  },
  {
    key: 'dotnet',
    image: 'C:\\Program Files\\dotnet\\dotnet.exe',
    pe: pe('dotnet.exe', '.NET Host', '8.0.1124.51707', 'Microsoft® .NET'),
    roles: ['web'],
    weight: 1,
    runAs: 'register',
    integrity: 'High',
    parent: 'w3wp',
    cmd: (c) =>
      `"C:\\Program Files\\dotnet\\dotnet.exe" "C:\\inetpub\\register\\Register.Worker.dll" --queue ${c.rng.pick(['canvass', 'postal-votes', 'ier-verification', 'print-export'])} --batch ${n(c, 50, 500)}`,
    connects: internal('EC-REG-SQL01', '10.10.1.14', 1433),
  },
  {
    key: 'msexchangetransport',
    image: `${EXCHANGE_BIN}\\MSExchangeTransport.exe`,
    pe: pe('MSExchangeTransport.exe', 'MSExchangeTransport', '15.02.1544.014', 'Microsoft® Exchange'),
    roles: ['exchange'],
    weight: 0.3,
    runAs: 'network',
    integrity: 'System',
    parent: 'services',
    cmd: () => `"${EXCHANGE_BIN}\\MSExchangeTransport.exe"`,
  },
  {
    key: 'edgetransport',
    image: `${EXCHANGE_BIN}\\EdgeTransport.exe`,
    pe: pe('EdgeTransport.exe', 'EdgeTransport', '15.02.1544.014', 'Microsoft® Exchange'),
    roles: ['exchange'],
    weight: 0.5,
    runAs: 'network',
    integrity: 'System',
    parent: 'msexchangetransport',
    cmd: (c) =>
      `"${EXCHANGE_BIN}\\EdgeTransport.exe" -pipe:${n(c, 1000, 9000)} -stopkey:Global\\edgetransport<${c.rng.guid().toLowerCase()}> -resetkey:Global\\edgetransport<${c.rng.guid().toLowerCase()}> -readykey:Global\\edgetransport<${c.rng.guid().toLowerCase()}> -hangkey:Global\\edgetransport<${c.rng.guid().toLowerCase()}> -workerListening:Global\\edgetransport<${c.rng.guid().toLowerCase()}>`,
    connects: (c) => [
      c.rng.pick(['40.107.22.54', '52.101.68.8', '104.47.11.202']),
      'mail.protection.outlook.com',
      25,
    ],
    writes: (c) => `${EXCHANGE_BIN}\\..\\TransportRoles\\data\\Queue\\Trn${c.rng.hex(5)}.log`,
  },
  {
    key: 'noderunner',
    image: `${EXCHANGE_BIN}\\Search\\Ceres\\Runtime\\1.0\\noderunner.exe`,
    pe: pe('noderunner.exe', 'Microsoft Search Foundation', '15.02.1544.014', 'Microsoft® Exchange'),
    roles: ['exchange'],
    weight: 1,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: (c) =>
      `"${EXCHANGE_BIN}\\Search\\Ceres\\Runtime\\1.0\\noderunner.exe" -addfr ${c.rng.pick(['AdminNode1', 'ContentEngineNode1', 'IndexNode1', 'InteractionEngineNode1'])} -tracelog -port ${n(c, 3800, 3900)} -node`,
  },
  {
    key: 'exchangeservicehost',
    image: `${EXCHANGE_BIN}\\Microsoft.Exchange.ServiceHost.exe`,
    pe: pe(
      'Microsoft.Exchange.ServiceHost.exe',
      'Microsoft.Exchange.ServiceHost',
      '15.02.1544.014',
      'Microsoft® Exchange',
    ),
    roles: ['exchange'],
    weight: 0.3,
    runAs: 'system',
    integrity: 'System',
    parent: 'services',
    cmd: () => `"${EXCHANGE_BIN}\\Microsoft.Exchange.ServiceHost.exe"`,
  },
  {
    key: 'robocopy',
    image: 'C:\\Windows\\System32\\Robocopy.exe',
    pe: pe('robocopy.exe', 'Microsoft® Robust File Copy Utility'),
    roles: ['file'],
    weight: 1.2,
    runAs: 'backup',
    integrity: 'High',
    parent: 'cmd',
    cmd: (c) => {
      const dept = c.rng.pick(DEPARTMENTS);
      return `robocopy "\\\\EC-FS01\\Shares\\${dept}" "E:\\Backups\\Shares\\${dept}\\${c.day}" /MIR /R:1 /W:1 /NP /FFT /LOG+:E:\\Backups\\logs\\robocopy-${c.day}.log`;
    },
    connects: internal('EC-FS01', '10.10.1.17', 445),
    writes: (c) =>
      `E:\\Backups\\Shares\\${c.rng.pick(DEPARTMENTS)}\\${c.day}\\${docName(c, c.rng.pick(['docx', 'xlsx', 'pdf', 'csv']))}`,
  },
];
