/// <reference types="vite/client" />
// Entry point: the app inside an error boundary (a bug in a view shows a message, never a blank
// page), and window.sipscopeAnalyze for tests and scripting.

import { Component, StrictMode, type ErrorInfo, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { analyzeFiles } from './engine-client.ts';
import type { AnalyzeOptions, AnalyzeResult, Progress } from './worker-protocol.ts';
import { App } from './layout/App.tsx';
import './style.css';

declare global {
  interface Window {
    /** for tests and scripting: the same worker the page uses; JSON Lines of the files */
    sipscopeAnalyze(files: File[], opts?: AnalyzeOptions, onProgress?: (p: Progress) => void): Promise<AnalyzeResult>;
  }
}

window.sipscopeAnalyze = (files, opts, onProgress) => analyzeFiles(Array.from(files), opts, onProgress);

class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('sipscope: view failed', error, info.componentStack);
  }

  render() {
    if (this.state.error) {
      return (
        <div className="crash" role="alert" data-testid="crash">
          <h1>sipscope</h1>
          <p className="error">Something went wrong while showing the results: {this.state.error.message}</p>
          <p>Your files were not sent anywhere. Reload the page to start again.</p>
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
