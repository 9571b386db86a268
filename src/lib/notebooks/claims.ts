/**
 * Numeric claims in a notebook's prose, written `{{cell.metric op value}}` (for example
 * `{{window.accuracy <= 25%}}`), are shown as the value and checked against what the cell
 * measured, so the prose cannot drift from what the model does.
 */
export const CLAIM_OPS = ['==', '<=', '>=', '<', '>', '~'] as const;
export type ClaimOp = (typeof CLAIM_OPS)[number];

export interface Claim {
	cell: string;
	metric: string;
	op: ClaimOp;
	/** The number compared, in the metric's own unit (a percentage is a fraction). */
	value: number;
	/** The value as the prose shows it, e.g. "25%" or "16 GiB". */
	text: string;
}

export const CLAIM_PATTERN = /\{\{\s*([a-z][a-z0-9-]*)\.([a-zA-Z][\w@.-]*)\s*(==|<=|>=|<|>|~)\s*(-?[\d.]+(?:e-?\d+)?)\s*(%|[^}]*?)\s*\}\}/;

/** Units are what the metric is measured in, shown as written; only `%` scales (to a fraction). */
const UNITS = ['%', '', 'KiB', 'MiB', 'GiB', 'ms', 's', '×', 'tokens', 'heads'];

export class ClaimError extends Error {
	override name = 'ClaimError';
}

export function parseClaim(source: string): Claim {
	const match = CLAIM_PATTERN.exec(source);
	if (!match || match[0] !== source.trim()) throw new ClaimError(`"${source}" is not a claim: write {{cell.metric op value}} with op one of ${CLAIM_OPS.join(' ')}.`);
	const [, cell, metric, op, number, unit] = match;
	if (!UNITS.includes(unit)) throw new ClaimError(`Claim "${source}": unknown unit "${unit}" (known: ${UNITS.filter(Boolean).join(', ')}).`);
	const value = Number(number) * (unit === '%' ? 0.01 : 1);
	if (!Number.isFinite(value)) throw new ClaimError(`Claim "${source}": "${number}" is not a number.`);
	const text = unit === '%' ? `${number}%` : unit ? `${number} ${unit}` : number;
	return { cell, metric, op: op as ClaimOp, value, text };
}

/** How far a `~` claim may be off: 10 % of its value, or 0.01 absolute near zero. */
export function claimTolerance(claim: Claim): number {
	return Math.max(0.01, 0.1 * Math.abs(claim.value));
}

const SHOWN_OPS: Record<ClaimOp, string> = { '==': '', '<=': '≤ ', '>=': '≥ ', '<': '< ', '>': '> ', '~': '≈ ' };

/**
 * The claim as the prose shows it, comparison included: a reader comparing "≈ 5.9% (±1)" with
 * the 5.7 % a cell shows can see the two agree, where a bare "5.9%" looks like a mistake.
 */
export function claimLabel(claim: Claim): string {
	const shown = `${SHOWN_OPS[claim.op]}${claim.text}`;
	if (claim.op !== '~') return shown;
	// The tolerance in the unit the claim is written in (percentage points for a %).
	const tolerance = claimTolerance(claim) / (claim.text.endsWith('%') ? 0.01 : 1);
	return `${shown} (±${+tolerance.toPrecision(2)})`;
}

/** `~` allows {@link claimTolerance}: 10 % relative error (or 0.01 absolute, for values near zero). */
export function claimHolds(claim: Claim, measured: number): boolean {
	switch (claim.op) {
		case '==':
			return Math.abs(measured - claim.value) <= 1e-9 * Math.max(1, Math.abs(claim.value));
		case '<=':
			return measured <= claim.value;
		case '>=':
			return measured >= claim.value;
		case '<':
			return measured < claim.value;
		case '>':
			return measured > claim.value;
		case '~':
			return Math.abs(measured - claim.value) <= claimTolerance(claim);
	}
}

export type ClaimCheck = { claim: Claim; measured: number | null; holds: boolean };

export function checkClaims(claims: Claim[], metricsOf: (cell: string) => Record<string, number> | undefined): ClaimCheck[] {
	return claims.map((claim) => {
		const measured = metricsOf(claim.cell)?.[claim.metric];
		return measured === undefined ? { claim, measured: null, holds: false } : { claim, measured, holds: claimHolds(claim, measured) };
	});
}
