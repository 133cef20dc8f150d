import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { RelabelMutation } from '../api/operations';
import { ErrorNote } from './ErrorNote';

/** Admins name a segment; the label follows the segment into later runs. */
export function RelabelForm({
  segment,
  onDone,
}: {
  segment: { id: string; label?: string | null; description: string; automaticDescription: string; tags: string[]; automaticName: string };
  onDone?(): void;
}) {
  const [name, setName] = useState(segment.label ?? '');
  // Only a human description is edited; empty keeps the automatic one (which follows each run).
  const [description, setDescription] = useState(segment.description === segment.automaticDescription ? '' : segment.description);
  const [tags, setTags] = useState(segment.tags.join(', '));
  const [result, relabel] = useMutation(RelabelMutation);
  const [saved, setSaved] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const r = await relabel({
      id: segment.id,
      name,
      description,
      tags: tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    });
    if (!r.error) {
      setSaved(true);
      onDone?.();
    }
  };
  return (
    <form className="relabel" onSubmit={submit} aria-label={`Relabel segment ${segment.automaticName}`}>
      <label>
        Name <span className="muted">(empty: automatic “{segment.automaticName}”)</span>
        <input name="name" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Description <span className="muted">(empty: automatic)</span>
        <textarea name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Tags <span className="muted">(comma-separated)</span>
        <input name="tags" value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      <button type="submit" disabled={result.fetching}>
        Save label
      </button>
      {saved && (
        <span role="status" className="ok">
          {' '}
          Saved.
        </span>
      )}
      <ErrorNote error={result.error} />
    </form>
  );
}
