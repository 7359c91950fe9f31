; Inno Setup script for the Windows installer (not built on the Linux build machine).
; Build on Windows after `python installer/build.py` has made build\installer\dist\cse-desktop:
;   iscc /DAppVersion=0.1.0 installer\windows\cse-desktop.iss
; Installs per machine under Program Files, adds a Start-menu entry, and never touches the
; users' workspaces (%LOCALAPPDATA%\CSE Desktop), so an upgrade keeps every draft.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{5C0E4E7A-6B1D-4C9F-9A49-CSEDESKTOP01}
AppName=CSE Desktop
AppVersion={#AppVersion}
AppPublisher=CSE Desktop
DefaultDirName={autopf}\CSE Desktop
DefaultGroupName=CSE Desktop
OutputDir=..\..\dist
OutputBaseFilename=cse-desktop-{#AppVersion}-windows-x64-setup
ArchitecturesInstallIn64BitMode=x64
PrivilegesRequired=admin
Compression=lzma2
SolidCompression=yes
CloseApplications=yes
UninstallDisplayName=CSE Desktop {#AppVersion}

[Files]
Source: "..\..\build\installer\dist\cse-desktop\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\CSE Desktop"; Filename: "{app}\cse-desktop.exe"
Name: "{group}\Uninstall CSE Desktop"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\cse-desktop.exe"; Parameters: "--self-test"; Flags: runhidden waituntilterminated; StatusMsg: "Checking the installation..."
