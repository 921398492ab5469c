/**
 * The interview phases as the app shows them. The list and its order are the contract's
 * (`PhaseValues`, generated from the store's `Phase` enum); labels and timeline colours are
 * derived from it here, so a new phase appears everywhere without touching TS or CSS.
 */

import { type Phase, PhaseValues } from "./generated/contracts";
import { humanize } from "./format";

export function isPhase(value: unknown): value is Phase {
  return typeof value === "string" && (PhaseValues as readonly string[]).includes(value);
}

export function phaseLabel(phase: string): string {
  return humanize(phase);
}

/** A distinct hue per phase, spread evenly around the colour wheel in phase order. */
export function phaseColour(phase: Phase): string {
  const index = PhaseValues.indexOf(phase);
  const hue = (225 + (index * 360) / PhaseValues.length) % 360;
  return `hsl(${Math.round(hue)} 55% 42%)`;
}
