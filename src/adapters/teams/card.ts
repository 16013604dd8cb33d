/**
 * The subset of Adaptive Card 1.5 (http://adaptivecards.io/schemas/adaptive-card.json) that the
 * Teams renderer emits. Plain JSON: no SDK. Only the properties we set are typed.
 */
export const CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const CARD_VERSION = '1.5';

/**
 * What the Teams clients render (their host config): `actions.maxActions` is 6, and an action
 * set holding more shows the first 6 and silently drops the rest (the SDK's TooManyActions).
 */
export const TEAMS_LIMITS = {
  actionsPerSet: 6,
  /** A button title past this is shortened with … (Teams clips long titles; Slack's limit too). */
  actionTitle: 75,
  /** A command longer than this is shown as text, not sent as button data (Slack's button value limit). */
  actionCommand: 2000,
} as const;

export interface TextBlock {
  type: 'TextBlock';
  text: string;
  wrap?: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large' | 'ExtraLarge';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  isSubtle?: boolean;
  color?: 'Default' | 'Dark' | 'Light' | 'Accent' | 'Good' | 'Warning' | 'Attention';
  fontType?: 'Default' | 'Monospace';
  spacing?: 'None' | 'Small' | 'Default' | 'Medium' | 'Large';
}

export interface FactSet {
  type: 'FactSet';
  facts: Array<{ title: string; value: string }>;
}

export interface TableCell {
  type: 'TableCell';
  items: CardElement[];
}

export interface Table {
  type: 'Table';
  columns: Array<{ width: number }>;
  rows: Array<{ type: 'TableRow'; cells: TableCell[] }>;
  firstRowAsHeader: boolean;
}

export interface Column {
  type: 'Column';
  width: 'auto' | 'stretch' | string;
  items: CardElement[];
}

export interface ColumnSet {
  type: 'ColumnSet';
  columns: Column[];
}

export interface Image {
  type: 'Image';
  url: string;
  altText: string;
  size?: 'Auto' | 'Stretch' | 'Small' | 'Medium' | 'Large';
}

export interface SubmitAction {
  type: 'Action.Submit';
  title: string;
  /** What the bot receives when the button is pressed: `sco: 'cmd'` marks our own buttons. */
  data: { sco: 'cmd'; command: string };
  style?: 'default' | 'positive' | 'destructive';
}

export interface ActionSet {
  type: 'ActionSet';
  actions: SubmitAction[];
}

export interface Container {
  type: 'Container';
  style?: 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
  bleed?: boolean;
  items: CardElement[];
}

export type CardElement = TextBlock | FactSet | Table | ColumnSet | Image | ActionSet | Container;

export interface AdaptiveCard {
  $schema: typeof CARD_SCHEMA;
  type: 'AdaptiveCard';
  version: typeof CARD_VERSION;
  body: CardElement[];
  /** Teams: let tables use the full message width. */
  msteams?: { width: 'Full' };
}
