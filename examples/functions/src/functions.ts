/**
 * Free functions, an arrow, an explicit model, an interface and a generic: each declared with
 * types and JSDoc, its body left to the model.
 */
import { implement, stub, type LanguageModel } from "llm-strategy";

/**
 * Summarize the text in one plain sentence.
 * @param text The text to summarize
 * @param maxWords Most words in the summary
 */
export function summarize(text: string, maxWords = 20): Promise<string> {
  return stub();
}

/**
 * Translate the text into the target language; keep names and numbers as they are.
 * @param language The target language, in English, e.g. "Spanish"
 */
export const translate = (text: string, language: string): Promise<string> => stub();

/** How a review feels about the product. */
export interface Sentiment {
  /** The overall tone of the review. */
  label: "positive" | "negative" | "mixed";
  /**
   * How sure the judgement is, from 0 to 1.
   * @minimum 0
   * @maximum 1
   */
  confidence: number;
  /**
   * Short quotes from the review that carry its tone.
   * @maxItems 3
   */
  evidence: string[];
}

/**
 * Judge the sentiment of a product review.
 * @param model The model to ask: the caller picks it per call
 * @param review The review, as the customer wrote it
 */
export function judgeReview(model: LanguageModel, review: string): Promise<Sentiment> {
  return stub();
}

/** Word games for an English class. */
export interface WordGames {
  /**
   * Words that rhyme with the given word, most common first.
   * @maxItems 5
   */
  rhymes(word: string): Promise<string[]>;
  /** A real English word made of exactly the same letters as the given word, or null when there is none. */
  anagram(word: string): Promise<string | null>;
}

/** Every method of `WordGames`, implemented by the model (the strategy pattern over an interface). */
export const wordGames = implement<WordGames>();

/**
 * Extract the details the return type describes from an email. Leave out what the email does not say.
 * @param email The email, headers and body
 */
export function extractFromEmail<T>(email: string): Promise<T> {
  return stub();
}

/** Someone who wrote to us. */
export interface Contact {
  name: string;
  email: string;
  /** As written in the email. */
  phone?: string;
  company?: string;
}

/** A meeting proposed in an email. */
export interface Meeting {
  title: string;
  /** @format date */
  date: string;
  /**
   * 24-hour time, e.g. "14:30".
   * @pattern ^\d{2}:\d{2}$
   */
  startTime: string;
  /** Names of the people invited. */
  attendees: string[];
}
