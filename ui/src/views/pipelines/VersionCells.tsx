// The cells both dataset tables show for a version: digest, created, files,
// size, rows and columns (from its profile).
import { fmtBytes, fmtTime } from '../../lib/format';
import { shortDigest, type ProfileSummary } from './datasets';
import type { DatasetVersion } from './types';

export function VersionCells({ version, profile }: { version: DatasetVersion; profile: ProfileSummary | undefined }) {
  return (
    <>
      <td class="mono" title={version.digest}>
        {shortDigest(version.digest)}
      </td>
      <td>{fmtTime(version.created_time)}</td>
      <td class="num">{version.files}</td>
      <td class="num">{fmtBytes(version.bytes)}</td>
      <td class="num">{profile?.rows ?? ''}</td>
      <td class="num">{profile?.columns || ''}</td>
    </>
  );
}
