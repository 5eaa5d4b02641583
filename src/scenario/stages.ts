/**
 * The seven stages of the intrusion the scenario replays, with their ATT&CK techniques and the built-in
 * rules expected to catch each one. This is ground truth for tests and documentation (written to
 * `manifest.json`); the detector never reads it.
 */

export const STAGE_IDS = [
  'exploitation',
  'web-shell',
  'credential-dumping',
  'lateral-movement',
  'register-export',
  'staging-exfiltration',
  'failed-logon-burst',
] as const;

export type StageId = (typeof STAGE_IDS)[number];

export interface Technique {
  readonly id: string;
  readonly name: string;
  readonly tactic: string;
}

/** A built-in rule the stage must trigger, and the log source it needs. */
export interface ExpectedRule {
  readonly id: string;
  readonly title: string;
  /** Relative to the package root. */
  readonly path: string;
  /** `evtx`: Windows events (JSON); `w3c`: the IIS logs, which need the W3C source. */
  readonly source: 'evtx' | 'w3c';
}

export interface StageDefinition {
  readonly id: StageId;
  readonly title: string;
  readonly summary: string;
  readonly techniques: readonly Technique[];
  readonly expectedRules: readonly ExpectedRule[];
}

const rule = (id: string, title: string, path: string, source: 'evtx' | 'w3c' = 'evtx'): ExpectedRule => ({
  id,
  title,
  path: `rules/${path}`,
  source,
});

export const STAGES: readonly StageDefinition[] = [
  {
    id: 'exploitation',
    title: 'Exchange front end exploited (ProxyShell)',
    summary:
      'A scripted client probes the Exchange front end (a ProxyLogon check, then autodiscover.json with the ' +
      '"@host/…?&Email=autodiscover/autodiscover.json" SSRF) and reaches the back-end remote PowerShell ' +
      'endpoint with a forged X-Rps-CAT token.',
    techniques: [{ id: 'T1190', name: 'Exploit Public-Facing Application', tactic: 'initial-access' }],
    expectedRules: [
      rule(
        '40ee2777-1bf2-4919-bac7-d365c4d6e52f',
        'Exchange ProxyShell Autodiscover SSRF Request',
        'web/webserver_generic/web_exchange_proxyshell_autodiscover_ssrf.yml',
        'w3c',
      ),
      rule(
        'efff6b34-4958-4ac6-9956-a50f618b4042',
        'Exchange ProxyShell Remote PowerShell Reached Through Autodiscover',
        'web/webserver_generic/web_exchange_proxyshell_powershell_success.yml',
        'w3c',
      ),
      rule(
        '4d319ba2-6748-4123-9712-4df4c27fd7d3',
        'Exchange Autodiscover Queried By Scripting Or Scanning Client',
        'web/webserver_generic/web_exchange_autodiscover_scripted_client.yml',
        'w3c',
      ),
      rule(
        '4f57a2f9-42b6-4b79-9a34-5e5b0d997099',
        'Exchange ProxyLogon SSRF Request Pattern',
        'web/webserver_generic/web_exchange_proxylogon_ssrf.yml',
        'w3c',
      ),
    ],
  },
  {
    id: 'web-shell',
    title: 'Web shell written to OWA and used',
    summary:
      'Through the hijacked PowerShell session the intruder grants the "Mailbox Import Export" role and ' +
      "exports a mailbox holding the payload as OutlookEN.aspx into OWA's auth folder; then posts commands " +
      'to it, which the OWA worker process (w3wp.exe, running as SYSTEM) runs through cmd.exe.',
    techniques: [
      { id: 'T1505.003', name: 'Web Shell', tactic: 'persistence' },
      { id: 'T1098', name: 'Account Manipulation', tactic: 'persistence' },
      { id: 'T1059.003', name: 'Windows Command Shell', tactic: 'execution' },
      { id: 'T1087.002', name: 'Domain Account', tactic: 'discovery' },
      { id: 'T1018', name: 'Remote System Discovery', tactic: 'discovery' },
    ],
    expectedRules: [
      rule(
        'b8dd6591-8552-4834-9d59-91db98576edf',
        'Exchange Cmdlet Writes Mailbox Export Or Certificate Request To Web Folder',
        'windows/builtin/msexchange/win_exchange_mailbox_export_to_web_folder.yml',
      ),
      rule(
        'cc268fd0-d8a3-47d8-b0d3-5904d2671fd9',
        'Exchange Mailbox Import Export Role Assigned',
        'windows/builtin/msexchange/win_exchange_mailbox_import_export_role_granted.yml',
      ),
      rule(
        '344a063a-13f2-475e-8fc3-b1b6cbd87188',
        'Script Page Written To Exchange Or IIS Web Folder By Unexpected Process',
        'windows/file/file_event/file_event_win_script_page_in_exchange_web_folder.yml',
      ),
      rule(
        'b9b4d91a-cecc-4273-bdb2-db56a2c13ae7',
        'Shell Or LOLBin Spawned By IIS Or Exchange Worker Process',
        'windows/process_creation/proc_creation_win_exchange_iis_worker_spawns_shell.yml',
      ),
      rule(
        '195e6643-0fc4-4fab-9277-ee95091f5cce',
        'Request To Script Page In Exchange Or IIS Web Shell Folder',
        'web/webserver_generic/web_iis_webshell_request_exchange_folders.yml',
        'w3c',
      ),
    ],
  },
  {
    id: 'credential-dumping',
    title: 'LSASS dumped on the Exchange server',
    summary:
      'From the web shell: rundll32 calls comsvcs.dll MiniDump on LSASS, makecab packs the dump into the OWA ' +
      'folder, and the intruder downloads it over HTTPS. An administrator had worked on EXCH01 that week, so ' +
      'his credentials were in LSASS.',
    techniques: [
      { id: 'T1003.001', name: 'LSASS Memory', tactic: 'credential-access' },
      { id: 'T1218.011', name: 'Rundll32', tactic: 'defense-evasion' },
      { id: 'T1074.001', name: 'Local Data Staging', tactic: 'collection' },
      { id: 'T1041', name: 'Exfiltration Over C2 Channel', tactic: 'exfiltration' },
    ],
    expectedRules: [
      rule(
        'fdd56b87-8c3d-4ac3-b8c9-a3377a0e4483',
        'LSASS Memory Dump Via Comsvcs MiniDump',
        'windows/process_creation/proc_creation_win_lsass_dump_comsvcs_minidump.yml',
      ),
      rule(
        '17f7c99b-2304-447d-8ff4-a7cb1cd698f6',
        'LSASS Memory Read For Credential Dumping',
        'windows/process_access/proc_access_win_lsass_credential_dump.yml',
      ),
      rule(
        'bfdfe234-4624-4844-bab2-23f675671213',
        'Archive Or Dump Staged In Exchange Or IIS Web Folder',
        'windows/file/file_event/file_event_win_data_staged_in_exchange_web_folder.yml',
      ),
      rule(
        'e14da0a8-2ecd-4cf6-8125-c21601b1b7c9',
        'Archive Or Dump Downloaded From Exchange Web Folder',
        'web/webserver_generic/web_exchange_staged_archive_download.yml',
        'w3c',
      ),
    ],
  },
  {
    id: 'lateral-movement',
    title: 'Lateral movement to the register database server',
    summary:
      "With the administrator's cracked password, the intruder runs PsExec from the web shell against " +
      'REGDB01: explicit credentials (4648) on EXCH01; a network logon, the PSEXESVC service (7045) and ' +
      'its commands on REGDB01.',
    techniques: [
      { id: 'T1021.002', name: 'SMB/Windows Admin Shares', tactic: 'lateral-movement' },
      { id: 'T1569.002', name: 'Service Execution', tactic: 'execution' },
      { id: 'T1078.002', name: 'Domain Accounts', tactic: 'defense-evasion' },
    ],
    expectedRules: [
      rule(
        '5475670c-917f-4410-89c9-b50b28a0a3c5',
        'PsExec Run Against A Remote Host With A Password On The Command Line',
        'windows/process_creation/proc_creation_win_psexec_remote_with_password.yml',
      ),
      rule(
        '287060ee-84c1-4ad8-ac81-409796cb15ea',
        'Remote Execution Service Installed (PsExec, PAExec, RemCom)',
        'windows/builtin/system/service_control_manager/win_system_service_install_remote_execution_tool.yml',
      ),
      rule(
        '3d26fe53-60a5-4aa7-944a-da5618aa1a2f',
        'Process Started By A Remote Execution Service',
        'windows/process_creation/proc_creation_win_remote_execution_service_child.yml',
      ),
    ],
  },
  {
    id: 'register-export',
    title: 'Electoral register exported in bulk',
    summary:
      'On REGDB01, through PsExec, sqlcmd writes every row of the Electors table to a CSV file and bcp ' +
      'exports the OverseasElectors table.',
    techniques: [
      { id: 'T1005', name: 'Data from Local System', tactic: 'collection' },
      { id: 'T1213', name: 'Data from Information Repositories', tactic: 'collection' },
    ],
    expectedRules: [
      rule(
        '087b4495-81a5-41af-92d6-27dd813cbfe4',
        'Electoral Register Table Dumped With Sqlcmd Or Osql',
        'windows/process_creation/proc_creation_win_sqlcmd_register_table_export.yml',
      ),
      rule(
        '0b17300c-5ad2-4743-9b7e-44130037c9e1',
        'Electoral Register Table Exported With BCP',
        'windows/process_creation/proc_creation_win_bcp_register_table_export.yml',
      ),
    ],
  },
  {
    id: 'staging-exfiltration',
    title: 'Register archived with a password and sent out',
    summary:
      'PsExec copies 7-Zip and rclone to REGDB01; 7za packs both CSV files into an encrypted archive and ' +
      "rclone uploads it over SFTP to the intruder's server.",
    techniques: [
      { id: 'T1560.001', name: 'Archive via Utility', tactic: 'collection' },
      { id: 'T1570', name: 'Lateral Tool Transfer', tactic: 'lateral-movement' },
      {
        id: 'T1048.002',
        name: 'Exfiltration Over Asymmetric Encrypted Non-C2 Protocol',
        tactic: 'exfiltration',
      },
    ],
    expectedRules: [
      rule(
        'f46bf36e-5a66-4360-a9fd-f88f086dabaa',
        'Electoral Register Files Compressed Into Password-Protected Archive',
        'windows/process_creation/proc_creation_win_archive_register_files_password.yml',
      ),
      rule(
        '767bf9b3-3793-41b2-8964-687fc22d013e',
        'Electoral Register Files Compressed Into Archive',
        'windows/process_creation/proc_creation_win_archive_register_files.yml',
      ),
      rule(
        '5e1aad95-9be5-4a35-884d-e63e965bd5b6',
        'Rclone Copies Or Syncs Data To A Remote',
        'windows/process_creation/proc_creation_win_rclone_copy_to_remote.yml',
      ),
      rule(
        '42aef7a3-8828-4da5-a5e3-7d367414a2c2',
        'Rclone Connects To An Internet Host',
        'windows/network_connection/net_connection_win_rclone_internet_host.yml',
      ),
    ],
  },
  {
    id: 'failed-logon-burst',
    title: 'Password spray that exposed the intrusion',
    summary:
      'A tunnel page is dropped next to the web shell and an SMB login scanner sprays a dozen admin and ' +
      'service accounts through it against DC01: some sixty failed NTLM logons from one address in under a ' +
      'minute, and locked-out accounts that staff report the same afternoon.',
    techniques: [
      { id: 'T1110.003', name: 'Password Spraying', tactic: 'credential-access' },
      { id: 'T1090.001', name: 'Internal Proxy', tactic: 'command-and-control' },
      { id: 'T1505.003', name: 'Web Shell', tactic: 'persistence' },
    ],
    expectedRules: [
      rule(
        '76018468-8c75-4db9-bbf4-67942ac42a09',
        'Failed Network Logons For Many Accounts From One Address',
        'windows/builtin/security/mr_win_security_failed_network_logon_burst.yml',
      ),
      rule(
        '4e7aae37-71e8-4b61-81a0-ff4c396f3abd',
        'Failed NTLM Logon From Randomly Named Workstation',
        'windows/builtin/security/win_security_ntlm_logon_failure_random_workstation.yml',
      ),
      rule(
        '895e2739-ebf4-43ee-a9af-15b798b19c39',
        'Exchange Worker Process Writes Script Page To Web Folder',
        'windows/file/file_event/file_event_win_exchange_process_writes_web_script.yml',
      ),
    ],
  },
];
